import { Injectable } from '@nestjs/common';
import { PrefectDeployment, UpstreamStepError, type FlowRunContext } from 'nestjs-hybrid-scheduler';
import {
  schemaValidator,
  startPrefectTestServer,
  type PrefectTestServer,
} from '../../support/prefect-server/index.js';
import { sleep, waitFor, type BootedApp } from '../../support/nest-app.js';
import { bootPrefectApp } from './prefect-app.js';

const calls: Record<string, number> = {};
const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
let evaluated: unknown;
let inFlight = 0;
let maxInFlight = 0;
let stepAborted: { aborted: boolean; reason: string } | null = null;
let parallel: string[] = [];
let downstreamError: unknown;

@Injectable()
class PipelineFlows {
  @PrefectDeployment({ flow: 'ml-pipeline', name: 'test' })
  async pipeline(p: { dataset: string }, ctx: FlowRunContext) {
    const data = ctx.task('preprocess', (step) => {
      step.logger.log(`preprocessing ${p.dataset}`);
      return `${p.dataset}:clean`;
    });
    const model = ctx.task('train', async () => `model(${await data})`, { waitFor: [data], tags: ['gpu'] });
    evaluated = await ctx.task('evaluate', async () => ({ score: 0.9, model: await model }), {
      waitFor: [model],
    });
    return evaluated;
  }

  @PrefectDeployment({ flow: 'flaky-steps', name: 'test' })
  async flaky(_p: unknown, ctx: FlowRunContext) {
    const fetched = ctx.task('fetch', () => count('fetch'));
    return ctx.task(
      'upload',
      async (step) => {
        count('upload');
        await fetched;
        if (step.attempt === 1) throw new Error('bucket not ready');
        return 'uploaded';
      },
      { retries: 2, retryDelaySeconds: 0, waitFor: [fetched] },
    );
  }

  @PrefectDeployment({ flow: 'sweep-map', name: 'test' })
  async sweep(p: { repos: string[] }, ctx: FlowRunContext) {
    return ctx.map(
      'sweep-repo',
      p.repos,
      async (repo, step) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(150);
        inFlight--;
        return `${repo}#${step.index}`;
      },
      { concurrency: 2 },
    );
  }

  @PrefectDeployment({ flow: 'cancel-steps', name: 'test' })
  async cancellable(_p: unknown, ctx: FlowRunContext) {
    await ctx.task('wait-forever', (step) => {
      count('wait-forever');
      return new Promise<void>((resolve) =>
        step.signal.addEventListener(
          'abort',
          () => {
            stepAborted = { aborted: step.signal.aborted, reason: String(step.signal.reason) };
            resolve();
          },
          { once: true },
        ),
      );
    });
  }

  @PrefectDeployment({ flow: 'parallel-steps', name: 'test' })
  async parallelSteps(_p: unknown, ctx: FlowRunContext) {
    // Each step waits until the other has started: only concurrent steps can both finish.
    const both = async (name: string) => {
      parallel.push(name);
      await waitFor(() => parallel.length === 2, 3000, 'both steps started');
      return name;
    };
    return Promise.all([ctx.task('left', () => both('left')), ctx.task('right', () => both('right'))]);
  }

  @PrefectDeployment({ flow: 'guarded', name: 'test' })
  async guarded(_p: unknown, ctx: FlowRunContext) {
    await ctx.task('once', () => count('once'));
  }

  @PrefectDeployment({ flow: 'failing-steps', name: 'test' })
  async failing(_p: unknown, ctx: FlowRunContext) {
    const broken = ctx.task('broken', () => {
      throw new Error('disk full');
    });
    const after = ctx.task('after', () => count('after'), { waitFor: [broken] });
    after.catch((error: unknown) => (downstreamError = error));
    await broken;
  }
}

describe('prefect tier: steps as task runs (ctx.task, ctx.map)', () => {
  let server: PrefectTestServer;
  let booted: BootedApp;
  const deploymentId = (flow: string) =>
    server.deployments().find((d) => server.flows().find((f) => f.id === d.flow_id)?.name === flow)!.id;
  const flowRun = (id: string) => server.flowRuns().find((r) => r.id === id)!;
  const run = (flow: string, parameters?: Record<string, unknown>) =>
    server.createFlowRun(deploymentId(flow), { parameters }).id;
  const ended = (id: string) =>
    waitFor(
      () => ['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED'].includes(flowRun(id).state_type ?? ''),
      10_000,
      `flow run ${id} to end`,
    );
  const byName = (flowRunId: string) => new Map(server.taskRuns(flowRunId).map((t) => [t.name, t]));
  const history = (taskRunId: string) =>
    server
      .taskRunHistory(taskRunId)
      .map((s) => (s.name === s.type[0] + s.type.slice(1).toLowerCase() ? s.type : `${s.type}:${s.name}`));

  beforeAll(async () => {
    server = await startPrefectTestServer({ schedulerIntervalMs: 200 });
    booted = await bootPrefectApp(server.url, [PipelineFlows]);
  });
  afterAll(async () => {
    await booted?.close();
    await server?.stop();
  });
  afterEach(() => expect(server.schemaViolations).toEqual([]));

  it('a three-step pipeline is three task runs with their own states, logs and edges in graph-v2', async () => {
    const id = run('ml-pipeline', { dataset: 'sales' });
    await ended(id);
    expect(flowRun(id).state_type).toBe('COMPLETED');
    expect(evaluated).toEqual({ score: 0.9, model: 'model(sales:clean)' });

    const tasks = byName(id);
    expect([...tasks.keys()].sort()).toEqual(['evaluate-0', 'preprocess-0', 'train-0']);
    for (const t of tasks.values()) expect(history(t.id)).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
    const [pre, train, evaluate] = ['preprocess-0', 'train-0', 'evaluate-0'].map((n) => tasks.get(n)!);
    expect(train.tags).toEqual(['gpu']);
    expect(train.task_inputs).toEqual({ wait_for: [{ input_type: 'task_run', id: pre.id }] });
    const line = server.logs(id).find((l) => l.message === 'preprocessing sales');
    expect(line?.task_run_id).toBe(pre.id);

    const res = await fetch(`${server.url}/flow_runs/${id}/graph-v2`);
    const graph = (await res.json()) as {
      root_node_ids: string[];
      nodes: Array<[string, { state_type: string; parents: unknown[]; children: unknown[] }]>;
    };
    expect(schemaValidator().validateResponse('GET', '/flow_runs/{id}/graph-v2', res.status, graph)).toEqual(
      [],
    );
    const nodes = new Map(graph.nodes);
    expect(graph.root_node_ids).toEqual([pre.id]);
    expect(nodes.get(pre.id)!.children).toEqual([{ id: train.id }]);
    expect(nodes.get(train.id)!.parents).toEqual([{ id: pre.id }]);
    expect(nodes.get(evaluate.id)!.parents).toEqual([{ id: train.id }]);
    expect([...nodes.values()].map((n) => n.state_type)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    // each step ran after the one it waits for
    expect(Date.parse(train.start_time!)).toBeGreaterThanOrEqual(Date.parse(pre.end_time!));
  });

  it('a failing step with retries is retried alone (AwaitingRetry → Retrying); the flow run is not', async () => {
    const id = run('flaky-steps');
    await ended(id);
    expect(flowRun(id).state_type).toBe('COMPLETED');
    expect(server.stateHistory(id).filter((s) => s.type === 'RUNNING')).toHaveLength(1);
    const tasks = byName(id);
    expect(history(tasks.get('upload-0')!.id)).toEqual([
      'PENDING',
      'RUNNING',
      'SCHEDULED:AwaitingRetry',
      'RUNNING:Retrying',
      'COMPLETED',
    ]);
    expect(tasks.get('upload-0')!.run_count).toBe(2);
    expect(history(tasks.get('fetch-0')!.id)).toEqual(['PENDING', 'RUNNING', 'COMPLETED']);
    expect(calls).toMatchObject({ fetch: 1, upload: 2 });
  });

  it('ctx.map makes one task run per item (distinct dynamic keys), at most `concurrency` at once', async () => {
    const repos = ['api', 'web', 'cli', 'docs', 'infra'];
    const id = run('sweep-map', { repos });
    await ended(id);
    expect(flowRun(id).state_type).toBe('COMPLETED');
    const tasks = server.taskRuns(id);
    expect(tasks).toHaveLength(5);
    expect(new Set(tasks.map((t) => t.task_key))).toEqual(new Set(['sweep-map.sweep-repo']));
    expect(tasks.map((t) => t.dynamic_key).sort()).toEqual(['0', '1', '2', '3', '4']);
    expect(tasks.every((t) => t.state_type === 'COMPLETED')).toBe(true);
    expect(maxInFlight).toBe(2);
  });

  it('parallel steps (Promise.all) run concurrently', async () => {
    parallel = [];
    const id = run('parallel-steps');
    await ended(id);
    expect(flowRun(id).state_type).toBe('COMPLETED');
    expect(server.taskRuns(id).map((t) => t.state_type)).toEqual(['COMPLETED', 'COMPLETED']);
  });

  it('a failed step fails the flow run; a step waiting for it ends CANCELLED without running', async () => {
    const id = run('failing-steps');
    await ended(id);
    expect(flowRun(id).state_type).toBe('FAILED');
    expect(flowRun(id).state?.message).toContain('disk full');
    const tasks = byName(id);
    expect(tasks.get('broken-0')!.state_type).toBe('FAILED');
    expect(tasks.get('after-0')!.state_type).toBe('CANCELLED');
    expect(downstreamError).toBeInstanceOf(UpstreamStepError);
    expect(calls['after']).toBeUndefined();
  });

  it('cancelling the flow run from the UI aborts the running step: task run and flow run end CANCELLED', async () => {
    const id = run('cancel-steps');
    await waitFor(() => server.taskRuns(id)[0]?.state_type === 'RUNNING', 8000, 'the step running');
    server.setFlowRunState(id, { type: 'CANCELLING', name: 'Cancelling' });
    await ended(id);
    expect(flowRun(id).state_type).toBe('CANCELLED');
    expect(stepAborted?.aborted).toBe(true);
    expect(server.taskRuns(id)[0]!.state_type).toBe('CANCELLED');
    expect(calls['wait-forever']).toBe(1);
  });

  it('never proposes RUNNING for a task run that is already COMPLETED (Prefect would accept it)', async () => {
    const id = server.createFlowRun(deploymentId('guarded'), {
      scheduledTime: new Date(Date.now() + 1500),
    }).id;
    const res = await fetch(`${server.url}/task_runs/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        flow_run_id: id,
        task_key: 'guarded.once',
        dynamic_key: '0',
        name: 'once-0',
        state: { type: 'COMPLETED', name: 'Completed' },
      }),
    });
    expect(res.status).toBe(201);
    await ended(id);
    expect(flowRun(id).state_type).toBe('FAILED');
    expect(flowRun(id).state?.message).toContain('PrefectTransitionError');
    const [task] = server.taskRuns(id);
    expect(history(task!.id)).toEqual(['COMPLETED']);
    expect(calls['once']).toBeUndefined();
  });
});
