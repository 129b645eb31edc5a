import { Injectable } from '@nestjs/common';
import { PrefectDeployment, type FlowRunContext } from 'nestjs-hybrid-scheduler';
import { startPrefectTestServer, type PrefectTestServer } from '../../support/prefect-server/index.js';
import { sleep, waitFor } from '../../support/nest-app.js';
import { bootPrefectApp } from './prefect-app.js';

const executions: Array<{ app: string; flowRunId: string }> = [];
let instance = 0;

@Injectable()
class Work {
  private readonly app = `app-${++instance}`;

  @PrefectDeployment({ flow: 'shared', name: 'prod', every: '1s' })
  async run(_params: unknown, ctx: FlowRunContext) {
    executions.push({ app: this.app, flowRunId: ctx.flowRunId });
    await sleep(30);
  }

  @PrefectDeployment({ flow: 'slow', name: 'prod' })
  async slow(_params: unknown, ctx: FlowRunContext) {
    await new Promise((resolve) => setTimeout(resolve, 10_000).unref?.());
    void ctx;
  }
}

describe('prefect tier: several app instances on one work pool', () => {
  let server: PrefectTestServer;
  beforeEach(async () => {
    server = await startPrefectTestServer({ schedulerIntervalMs: 100 });
  });
  afterEach(async () => {
    expect(server.schemaViolations).toEqual([]);
    await server.stop();
  });

  it('two instances polling the same pool execute each run exactly once', async () => {
    const a = await bootPrefectApp(server.url, [Work], { workerName: 'worker-a', pollIntervalMs: 100 });
    const b = await bootPrefectApp(server.url, [Work], { workerName: 'worker-b', pollIntervalMs: 100 });
    try {
      const deploymentId = server
        .deployments()
        .find(
          (d) => d.name === 'prod' && server.flows().find((f) => f.id === d.flow_id)?.name === 'shared',
        )!.id;
      const manual = Array.from({ length: 30 }, (_, i) =>
        server.createFlowRun(deploymentId, { parameters: { i } }),
      );
      await waitFor(
        () => manual.every((run) => executions.some((e) => e.flowRunId === run.id)),
        10_000,
        'all manual runs to execute',
      );
      await sleep(3_000); // a few scheduled ticks too
      await waitFor(
        () => server.flowRuns({ deploymentId, stateType: 'RUNNING' }).length === 0,
        3_000,
        'running runs to finish',
      );
      const completed = server.flowRuns({ deploymentId, stateType: 'COMPLETED' });
      expect(completed.length).toBeGreaterThanOrEqual(32);
      const ids = executions.map((e) => e.flowRunId);
      expect(new Set(ids).size).toBe(ids.length); // no run executed twice
      expect(completed.map((r) => r.id).sort()).toEqual([...new Set(ids)].sort());
      expect(new Set(executions.map((e) => e.app))).toEqual(new Set(['app-1', 'app-2'])); // both did work
      expect(
        server
          .workers('nestjs')
          .map((w) => w.name)
          .sort(),
      ).toEqual(['worker-a', 'worker-b']);
      // the loser of a claim got ABORT from Prefect and left the run alone
      const claims = server.requests.filter(
        (r) =>
          r.path.endsWith('/set_state') && (r.body as { state: { type: string } }).state.type === 'PENDING',
      );
      expect(claims.length).toBeGreaterThanOrEqual(completed.length);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('on shutdown a worker gives back prefetched runs and marks flows it must abandon CRASHED', async () => {
    const app = await bootPrefectApp(server.url, [Work], { shutdownTimeoutMs: 300, prefetchMs: 5_000 });
    const slowId = server
      .deployments()
      .find((d) => server.flows().find((f) => f.id === d.flow_id)?.name === 'slow')!.id;
    const running = server.createFlowRun(slowId);
    const later = server.createFlowRun(slowId, { scheduledTime: new Date(Date.now() + 4_000) });
    await waitFor(
      () => server.flowRuns().find((r) => r.id === running.id)?.state?.type === 'RUNNING',
      3_000,
      'the slow run to start',
    );
    await waitFor(
      () => server.flowRuns().find((r) => r.id === later.id)?.state?.type === 'PENDING',
      3_000,
      'the later run to be claimed early',
    );
    const closing = Date.now();
    await app.close();
    expect(Date.now() - closing).toBeLessThan(2_000);
    const state = (id: string) => server.flowRuns().find((r) => r.id === id)!.state!;
    expect(state(running.id)).toMatchObject({ type: 'CRASHED' });
    expect(state(later.id)).toMatchObject({ type: 'SCHEDULED' });
    expect(Date.parse(state(later.id).state_details.scheduled_time!)).toBe(
      Date.parse(later.expected_start_time!),
    );
  });
});
