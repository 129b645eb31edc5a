import { Injectable } from '@nestjs/common';
import { PrefectDeployment, type FlowRunContext } from 'nestjs-hybrid-scheduler';
import { startPrefectTestServer, type PrefectTestServer } from '../../support/prefect-server/index.js';
import { sleep, waitFor } from '../../support/nest-app.js';
import { bootPrefectApp } from './prefect-app.js';

const executions: string[] = [];

@Injectable()
class Batch {
  @PrefectDeployment({ flow: 'batch', name: 'prod' })
  async run(_p: unknown, ctx: FlowRunContext) {
    executions.push(ctx.flowRunId);
    await sleep(100);
  }

  @PrefectDeployment({ flow: 'stuck', name: 'prod' })
  async stuck(_p: unknown, ctx: FlowRunContext) {
    await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
  }
}

const SHUTDOWN_MS = 2000;

describe('prefect tier: a slow server that refuses concurrent writes (SQLite-like)', () => {
  let server: PrefectTestServer;
  afterEach(async () => {
    expect(server.schemaViolations).toEqual([]);
    await server.stop();
  });
  const deploymentId = (flow: string) =>
    server.deployments().find((d) => server.flows().find((f) => f.id === d.flow_id)?.name === flow)!.id;

  it('two instances claiming the same 8 runs: each COMPLETED exactly once, both close within the timeout', async () => {
    server = await startPrefectTestServer({ slow: { writeMs: 30, readMs: 5, maxQueuedWrites: 3 } });
    const opts = { pollIntervalMs: 200, concurrency: 4, shutdownTimeoutMs: SHUTDOWN_MS };
    const a = await bootPrefectApp(server.url, [Batch], { ...opts, workerName: 'slow-a' });
    const b = await bootPrefectApp(server.url, [Batch], { ...opts, workerName: 'slow-b' });
    const before = server.requests.length;
    const runs = Array.from({ length: 8 }, () => server.createFlowRun(deploymentId('batch')).id);
    try {
      await waitFor(
        () => runs.every((id) => server.flowRuns().find((r) => r.id === id)?.state_type === 'COMPLETED'),
        30_000,
        'the 8 runs COMPLETED',
      );
    } finally {
      const started = Date.now();
      await Promise.all([a.close(), b.close()]);
      const closeMs = Date.now() - started;
      expect(closeMs).toBeLessThan(SHUTDOWN_MS + 1000);
    }
    expect([...executions].sort()).toEqual([...runs].sort());
    const answered = server.requests.slice(before);
    expect(answered.some((r) => r.status === 503)).toBe(true); // the slow mode did refuse writes
    const perRun = answered.filter((r) => r.path.startsWith('/flow_runs/') && r.method === 'POST').length / 8;
    console.log(
      `slow server: ${answered.length} requests, ${perRun.toFixed(1)} flow-run POSTs per run, ${answered.filter((r) => r.status === 503).length} answered 503`,
    );
  }, 60_000);

  it('close() returns within shutdownTimeoutMs while Prefect takes no final state', async () => {
    server = await startPrefectTestServer();
    const app = await bootPrefectApp(server.url, [Batch], { shutdownTimeoutMs: SHUTDOWN_MS });
    const id = server.createFlowRun(deploymentId('stuck')).id;
    await waitFor(
      () => server.flowRuns().find((r) => r.id === id)?.state_type === 'RUNNING',
      8000,
      'RUNNING',
    );
    server.holdSetState({ types: ['COMPLETED', 'FAILED', 'CRASHED', 'CANCELLED'], ms: 60_000 });
    const started = Date.now();
    await app.close();
    expect(Date.now() - started).toBeLessThan(SHUTDOWN_MS + 1000);
    server.holdSetState(null);
    // left as Prefect last saw it: RUNNING (until cancelled or marked crashed)
    expect(server.flowRuns().find((r) => r.id === id)?.state_type).toBe('RUNNING');
  }, 30_000);
});
