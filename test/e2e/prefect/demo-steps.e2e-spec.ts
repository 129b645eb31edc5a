import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../../apps/demo/app.module.js';
import { startPrefectTestServer, type PrefectTestServer } from '../../support/prefect-server/index.js';
import { waitFor } from '../../support/nest-app.js';

/** The demo's Prefect deployments on the Prefect test server: the code sweep and the ML pipeline as steps. */
describe('demo: the code sweep maps over repositories, the ML pipeline has three steps', () => {
  let server: PrefectTestServer;
  let app: INestApplication;
  const saved = { ...process.env };
  const deploymentId = (flow: string) =>
    server.deployments().find((d) => server.flows().find((f) => f.id === d.flow_id)?.name === flow)!.id;
  const completed = (id: string) =>
    waitFor(
      () => server.flowRuns().find((r) => r.id === id)?.state_type === 'COMPLETED',
      20_000,
      `flow run ${id} COMPLETED`,
    );

  beforeAll(async () => {
    server = await startPrefectTestServer();
    for (const key of Object.keys(process.env))
      if (key.startsWith('HYBRID_SCHEDULER_') || key.startsWith('PREFECT_') || key.endsWith('_URL'))
        delete process.env[key];
    Object.assign(process.env, {
      PREFECT_API_URL: server.url,
      HYBRID_SCHEDULER_PREFECT_POLL_INTERVAL_MS: '200',
    });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    await waitFor(() => server.deployments().length >= 2, 10_000, 'the demo deployments');
  }, 30_000);
  afterAll(async () => {
    await app?.close();
    await server?.stop();
    process.env = saved;
  });
  afterEach(() => expect(server.schemaViolations).toEqual([]));

  it('the daily code sweep is one task run per repository', async () => {
    const id = server.createFlowRun(deploymentId('daily-code-sweep'), {
      parameters: { repos: ['apps/demo', 'libs/hybrid-scheduler/src', 'test/support'], depth: 1 },
    }).id;
    await completed(id);
    const tasks = server.taskRuns(id);
    expect(tasks.map((t) => t.name).sort()).toEqual(['sweep-repo-0', 'sweep-repo-1', 'sweep-repo-2']);
    expect(tasks.every((t) => t.state_type === 'COMPLETED')).toBe(true);
    const lines = server.logs(id).filter((l) => l.task_run_id);
    expect(lines.map((l) => l.message.split(':')[0]).sort()).toEqual([
      'apps/demo',
      'libs/hybrid-scheduler/src',
      'test/support',
    ]);
  });

  it('the ML pipeline is preprocess → train → evaluate, and evaluates the trained model', async () => {
    const id = server.createFlowRun(deploymentId('ml-pipeline'), { parameters: { epochs: 1500 } }).id;
    await completed(id);
    const tasks = new Map(server.taskRuns(id).map((t) => [t.name, t]));
    const [pre, train, evaluate] = ['preprocess-0', 'train-0', 'evaluate-0'].map((n) => tasks.get(n)!);
    expect(train.task_inputs['wait_for']).toEqual([{ input_type: 'task_run', id: pre.id }]);
    expect(evaluate.task_inputs['wait_for']).toEqual([{ input_type: 'task_run', id: train.id }]);
    const r2 = server.logs(id).find((l) => l.task_run_id === evaluate.id)?.message;
    expect(r2).toMatch(/R² on 40 held-back points: 0\.9\d\d/);
  });
});
