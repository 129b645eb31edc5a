import { PayloadValidationError, WorkflowNotFoundError } from 'nestjs-hybrid-scheduler';
import { sleep, waitFor, type BootedApp } from '../../support/nest-app.js';
import { bootConformanceApp, type ConformanceWorkflows } from './conformance.workflows.js';
import { DRIVERS } from './drivers/index.js';
import type { RunningEngine } from './engine.driver.js';

/** Conformance: enqueue, payload checks, delay/runAt, idempotency, concurrency, rate limit, priority. */
describe.each(DRIVERS)('conformance on $engine: enqueue', (driver) => {
  let engine: RunningEngine;
  let booted: BootedApp;
  let workflows: ConformanceWorkflows;

  beforeAll(async () => {
    engine = await driver.start();
    ({ booted, workflows } = await bootConformanceApp(engine.queueOptions('enqueue')));
  }, 90_000); // a private broker node boots in seconds, slower on a loaded machine

  afterAll(async () => {
    await booted?.close();
    await engine?.stop();
  });

  it('runs an enqueued job once with its payload (as JSON), attempt 1', async () => {
    const result = await booted.scheduler.enqueueWorkflow('echo', {
      repos: ['a', 'b'],
      when: new Date('2026-01-02T03:04:05Z'),
    });
    expect(result).toMatchObject({ provider: driver.engine, workflow: 'echo', created: true });
    await waitFor(() => workflows.runsOf('echo').length === 1, 5000, 'the echo job');
    const [run] = workflows.runsOf('echo');
    expect(run).toMatchObject({
      payload: { repos: ['a', 'b'], when: '2026-01-02T03:04:05.000Z' },
      attempt: 1,
      maxAttempts: 3,
      provider: driver.engine,
      runId: result.id,
    });
    expect(result.id).toBe(`queue:echo:${run.jobKey}`);
    await sleep(300);
    expect(workflows.runsOf('echo')).toHaveLength(1);
  });

  it('validates the payload (DTO, JSON) and the workflow name before anything reaches the engine', async () => {
    await expect(
      booted.scheduler.enqueueWorkflow('validated', { orderId: 'x', quantity: 0 }),
    ).rejects.toThrow(PayloadValidationError);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    await expect(booted.scheduler.enqueueWorkflow('echo', cyclic)).rejects.toThrow(/nothing was enqueued/);
    await expect(booted.scheduler.enqueueWorkflow('echo', { big: 10n })).rejects.toThrow(/BigInt/);
    await expect(booted.scheduler.enqueueWorkflow('nope', {})).rejects.toThrow(WorkflowNotFoundError);
    await expect(booted.scheduler.enqueueWorkflow('echo', {}, { delayMs: -1 })).rejects.toThrow(
      /"delayMs" = -1/,
    );
    await booted.scheduler.enqueueWorkflow('validated', { orderId: 'abc', quantity: 2 });
    await waitFor(() => workflows.runsOf('validated').length === 1, 5000, 'the valid order');
    await sleep(200);
    expect(workflows.runsOf('validated')).toEqual([
      expect.objectContaining({ payload: { orderId: 'abc', quantity: 2 }, payloadIsDto: true }),
    ]);
  });

  it('does not run delayMs / runAt jobs early, and runs them within the stated tolerance', async () => {
    const start = Date.now();
    await booted.scheduler.enqueueWorkflow('echo', { kind: 'delayed' }, { delayMs: 700 });
    await booted.scheduler.enqueueWorkflow('echo', { kind: 'runAt' }, { runAt: new Date(start + 1000) });
    const kinds = () => workflows.runsOf('echo').filter((r) => (r.payload as { kind?: string }).kind);
    await waitFor(() => kinds().length === 2, 5000, 'both delayed jobs');
    const at = Object.fromEntries(kinds().map((r) => [(r.payload as { kind: string }).kind, r.at - start]));
    expect(at.delayed).toBeGreaterThanOrEqual(695);
    expect(at.runAt).toBeGreaterThanOrEqual(995);
    expect(at.delayed).toBeLessThan(700 + driver.limits.delayToleranceMs);
    expect(at.runAt).toBeLessThan(1000 + driver.limits.delayToleranceMs);
  });

  it('creates one job for the same idempotency key enqueued twice', async () => {
    const first = await booted.scheduler.enqueueWorkflow(
      'echo',
      { n: 1 },
      { idempotencyKey: 'invoice-42', delayMs: 300 },
    );
    const second = await booted.scheduler.enqueueWorkflow('echo', { n: 2 }, { idempotencyKey: 'invoice-42' });
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, id: first.id });
    await waitFor(() => workflows.runsOf('echo').some((r) => r.runId === first.id), 5000, 'the job');
    await sleep(300);
    expect(workflows.runsOf('echo').filter((r) => (r.payload as { n?: number }).n)).toEqual([
      expect.objectContaining({ payload: { n: 1 } }),
    ]);
  });

  it('runs at most `concurrency` jobs of a workflow at a time in one process', async () => {
    for (let i = 0; i < 6; i++) await booted.scheduler.enqueueWorkflow('limited', { i });
    await waitFor(() => workflows.runsOf('limited').length === 6, 8000, 'six limited jobs');
    await waitFor(() => workflows.running === 0, 2000, 'the last to finish');
    expect(workflows.maxRunning).toBe(2);
  });

  it('starts at most `rateLimit.max` jobs per `rateLimit.durationMs`', async () => {
    const start = Date.now();
    for (let i = 0; i < 5; i++) await booted.scheduler.enqueueWorkflow('rated', { i });
    await waitFor(() => workflows.runsOf('rated').length === 5, 8000, 'five rated jobs');
    const starts = workflows.runsOf('rated').map((r) => r.at);
    // 2 per second: the 3rd starts ≥ 1 s after the 1st, the 5th ≥ 2 s after the 1st.
    expect(starts[2] - starts[0]).toBeGreaterThanOrEqual(950);
    expect(starts[4] - starts[0]).toBeGreaterThanOrEqual(1900);
    expect(starts[4] - start).toBeLessThan(5000);
  }, 15_000);

  it(`orders waiting jobs by priority${driver.limits.priority ? '' : ' (documented as ignored: FIFO)'}`, async () => {
    await booted.scheduler.pause('queue:ordered');
    for (const [name, priority] of [
      ['low', 10],
      ['high', 1],
      ['mid', 5],
    ] as const)
      await booted.scheduler.enqueueWorkflow('ordered', { name }, { priority });
    await sleep(300);
    expect(workflows.runsOf('ordered')).toHaveLength(0);
    await booted.scheduler.resume('queue:ordered');
    await waitFor(() => workflows.runsOf('ordered').length === 3, 5000, 'three ordered jobs');
    const order = workflows.runsOf('ordered').map((r) => (r.payload as { name: string }).name);
    expect(order).toEqual(driver.limits.priority ? ['high', 'mid', 'low'] : ['low', 'high', 'mid']);
  });
});
