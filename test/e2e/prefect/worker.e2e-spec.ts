import { Injectable } from '@nestjs/common';
import { PrefectDeployment, type FlowRunContext } from 'nestjs-hybrid-scheduler';
import { startPrefectTestServer, type PrefectTestServer } from '../../support/prefect-server/index.js';
import { sleep, waitFor, type BootedApp } from '../../support/nest-app.js';
import { bootPrefectApp } from './prefect-app.js';

const seen: Array<{ params: Record<string, unknown>; ctx: FlowRunContext }> = [];
let failures = 0;
let cancelSeen: { aborted: boolean; reason?: string } | null = null;
let slowStarted = 0;

@Injectable()
class SweepFlows {
  @PrefectDeployment({
    flow: 'daily-code-sweep',
    name: 'prod',
    every: '2s',
    parameters: { depth: 2 },
    tags: ['sweep'],
  })
  async sweep(params: Record<string, unknown>, ctx: FlowRunContext) {
    ctx.logger.log(`sweeping with depth ${params.depth}`);
    ctx.logger.warn('two files were skipped');
    seen.push({ params, ctx });
    return 'ok';
  }

  @PrefectDeployment({ flow: 'flaky', name: 'prod', retries: 2, retryDelaySeconds: 0 })
  async flaky(_params: Record<string, unknown>, ctx: FlowRunContext) {
    failures++;
    throw new Error(`boom on attempt ${ctx.attempt}`);
  }

  @PrefectDeployment({ flow: 'long', name: 'prod' })
  async long(_params: Record<string, unknown>, ctx: FlowRunContext) {
    slowStarted++;
    await new Promise<void>((resolve) =>
      ctx.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    cancelSeen = { aborted: ctx.signal.aborted, reason: String(ctx.signal.reason) };
  }
}

describe('prefect tier: the app as a Prefect worker', () => {
  let server: PrefectTestServer;
  let booted: BootedApp;
  const deploymentId = (name: string) =>
    server
      .deployments()
      .find((d) => d.name === 'prod' && server.flows().find((f) => f.id === d.flow_id)?.name === name)!.id;
  const finalState = (id: string) => server.flowRuns().find((r) => r.id === id)?.state?.type;

  beforeAll(async () => {
    server = await startPrefectTestServer({ schedulerIntervalMs: 200 });
    booted = await bootPrefectApp(server.url, [SweepFlows]);
  });
  afterAll(async () => {
    await booted?.close();
    await server?.stop();
  });
  afterEach(() => expect(server.schemaViolations).toEqual([]));

  it('claims a due scheduled run, runs the method with its parameters and context, ships its logs, ends COMPLETED', async () => {
    const id = deploymentId('daily-code-sweep');
    await waitFor(
      () => server.flowRuns({ deploymentId: id, stateType: 'COMPLETED' }).length > 0,
      8_000,
      'a COMPLETED sweep run',
    );
    const run = server.flowRuns({ deploymentId: id, stateType: 'COMPLETED' })[0];
    const call = seen.find((s) => s.ctx.flowRunId === run.id)!;
    expect(call.params).toEqual({ depth: 2 });
    expect(call.ctx).toMatchObject({
      flowRunName: run.name,
      deploymentId: id,
      deploymentName: 'prod',
      flowName: 'daily-code-sweep',
      jobId: 'prefect:daily-code-sweep/prod',
      runId: run.id,
      attempt: 1,
    });
    expect(call.ctx.signal).toBeInstanceOf(AbortSignal);
    expect(server.stateHistory(run.id).map((s) => s.type)).toEqual([
      'SCHEDULED',
      'PENDING',
      'RUNNING',
      'COMPLETED',
    ]);
    // the method did not start before the run's scheduled time (prefetch claims early, RUNNING waits)
    expect(Date.parse(run.start_time!)).toBeGreaterThanOrEqual(Date.parse(run.expected_start_time!) - 5);
    const logs = server.logs(run.id).map((l) => [l.level, l.message]);
    expect(logs).toEqual(
      expect.arrayContaining([
        [20, 'sweeping with depth 2'],
        [30, 'two files were skipped'],
      ]),
    );
    expect(server.workers('nestjs').length).toBe(1);
  });

  it('runs a manual run with parameters merged over the deployment defaults', async () => {
    const id = deploymentId('daily-code-sweep');
    const run = server.createFlowRun(id, { parameters: { depth: 5, dryRun: true } });
    await waitFor(() => finalState(run.id) === 'COMPLETED', 5_000, 'the manual run to complete');
    expect(seen.find((s) => s.ctx.flowRunId === run.id)!.params).toEqual({ depth: 5, dryRun: true });
  });

  it('retries a failing flow in process as Prefect asks (AwaitingRetry), then ends FAILED with the error', async () => {
    const run = server.createFlowRun(deploymentId('flaky'));
    await waitFor(() => finalState(run.id) === 'FAILED', 8_000, 'the flaky run to fail');
    expect(failures).toBe(3);
    const history = server.stateHistory(run.id);
    expect(history.filter((s) => s.name === 'AwaitingRetry')).toHaveLength(2);
    expect(history.filter((s) => s.type === 'RUNNING')).toHaveLength(3);
    expect(history.at(-1)!.message).toContain('boom on attempt 3');
    expect(server.flowRuns().find((r) => r.id === run.id)!.run_count).toBe(3);
    expect(server.logs(run.id).some((l) => l.level === 40 && l.message.includes('boom on attempt 1'))).toBe(
      true,
    );
    const job = await booted.scheduler.getJob('prefect:flaky/prod');
    expect(job.failures).toBe(3);
  });

  it('notices a cancellation from the UI within a poll, aborts the method, and ends CANCELLED', async () => {
    const run = server.createFlowRun(deploymentId('long'));
    await waitFor(
      () => finalState(run.id) === 'RUNNING' && slowStarted === 1,
      5_000,
      'the long run to start',
    );
    const requestedAt = Date.now();
    server.setFlowRunState(run.id, { type: 'CANCELLING', name: 'Cancelling' });
    await waitFor(() => finalState(run.id) === 'CANCELLED', 3_000, 'the run to be CANCELLED');
    expect(Date.now() - requestedAt).toBeLessThan(1_500);
    expect(cancelSeen).toMatchObject({ aborted: true });
    expect(
      server
        .stateHistory(run.id)
        .map((s) => s.type)
        .slice(-2),
    ).toEqual(['CANCELLING', 'CANCELLED']);
    await sleep(300);
    expect(finalState(run.id)).toBe('CANCELLED');
  });

  it('runDeployment with the same idempotency key creates one run, which a worker then executes', async () => {
    const before = seen.length;
    const first = await booted.scheduler.runDeployment(
      'daily-code-sweep/prod',
      { depth: 9 },
      { idempotencyKey: 'sweep-2026-01-01' },
    );
    const second = await booted.scheduler.runDeployment(
      'daily-code-sweep/prod',
      { depth: 9 },
      { idempotencyKey: 'sweep-2026-01-01' },
    );
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, flowRunId: first.flowRunId });
    expect(server.flowRuns().filter((r) => r.idempotency_key === 'sweep-2026-01-01')).toHaveLength(1);
    await waitFor(() => finalState(first.flowRunId) === 'COMPLETED', 5_000, 'the run to complete');
    expect(seen.slice(before).filter((s) => s.ctx.flowRunId === first.flowRunId)).toHaveLength(1);
    await expect(booted.scheduler.runDeployment('nope/prod')).rejects.toThrow(
      /No Prefect deployment named "nope\/prod"; known: .*daily-code-sweep\/prod/,
    );
  });

  it('every state transition carries a fresh transition_id', async () => {
    const proposals = server.requests.filter((r) => r.path.endsWith('/set_state'));
    const ids = proposals.map(
      (r) =>
        (r.body as { state: { state_details: { transition_id: string } } }).state.state_details.transition_id,
    );
    expect(ids.length).toBeGreaterThan(8);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
