import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HybridSchedulerModule, TierUnavailableError } from 'nestjs-hybrid-scheduler';
import { HybridSchedulerHealthIndicator, HybridSchedulerHealthModule } from 'nestjs-hybrid-scheduler/health';
import { bootApp, sleep, waitFor, type BootedApp } from '../../support/nest-app.js';
import { ConformanceWorkflows, conformanceModule, LateWorkflows } from './conformance.workflows.js';
import { DRIVERS } from './drivers/index.js';
import type { RunningEngine } from './engine.driver.js';

/** Conformance: recurring workflows and their controls, missed ticks, health, an engine down at boot. */
describe.each(DRIVERS)('conformance on $engine: control and health', (driver) => {
  let engine: RunningEngine;
  let booted: BootedApp;
  let workflows: ConformanceWorkflows;

  beforeAll(async () => {
    engine = await driver.start();
    @Module({
      imports: [
        HybridSchedulerModule.forRoot({ fallback: 'fail', queue: engine.queueOptions('control') }),
        TerminusModule,
        HybridSchedulerHealthModule,
      ],
      providers: [ConformanceWorkflows],
    })
    class ControlModule {}
    booted = await bootApp(ControlModule);
    workflows = booted.app.get(ConformanceWorkflows);
  }, 90_000); // a private broker node boots in seconds, slower on a loaded machine

  afterAll(async () => {
    await booted?.close();
    await engine?.stop();
  });

  const queueHealth = async () =>
    (await booted.app.get(HybridSchedulerHealthIndicator).isHealthy('queue'))['scheduler-queue'] as {
      status: string;
      [key: string]: unknown;
    };

  it('fires a recurring workflow with its schedule payload; listJobs shows nextRunAt and counts', async () => {
    await waitFor(() => workflows.runsOf('ticker').length >= 2, 5000, 'two ticks');
    const ticks = workflows.runsOf('ticker');
    expect(ticks[0]).toMatchObject({ payload: { source: 'schedule' }, attempt: 1 });
    expect(new Set(ticks.map((t) => t.scheduledAt)).size).toBe(ticks.length);
    const [info] = (await booted.scheduler.listJobs()).filter((j) => j.id === 'queue:ticker');
    expect(info).toMatchObject({ tier: 'queue', schedule: 'every 500ms' });
    expect(info.nextRunAt!.getTime()).toBeGreaterThan(Date.now() - 100);
    expect(info.nextRunAt!.getTime()).toBeLessThan(Date.now() + 1000);
    for (const count of ['waiting', 'active', 'delayed', 'dead'])
      expect(info.details).toHaveProperty(count, expect.any(Number));
  });

  it('pauses and resumes a workflow, and triggers a run on demand', async () => {
    await booted.scheduler.pause('queue:ticker');
    await sleep(300); // a run already started may finish
    const paused = workflows.runsOf('ticker').length;
    await sleep(1200);
    expect(workflows.runsOf('ticker').length).toBe(paused);
    await booted.scheduler.resume('queue:ticker');
    await waitFor(() => workflows.runsOf('ticker').length > paused, 3000, 'a tick after resume');
    const triggered = await booted.scheduler.trigger('queue:ticker');
    await waitFor(
      () => workflows.runsOf('ticker').some((r) => r.runId === triggered.id),
      3000,
      'the triggered run',
    );
  });

  it('removeJob stops the schedule; jobs already enqueued elsewhere are not run here', async () => {
    await booted.scheduler.removeJob('queue:ticker');
    await sleep(300);
    const after = workflows.runsOf('ticker').length;
    await sleep(1200);
    expect(workflows.runsOf('ticker').length).toBe(after);
    expect((await booted.scheduler.listJobs()).map((j) => j.id)).not.toContain('queue:ticker');
  });

  it(
    driver.broker
      ? 'reports health up, degraded while the broker is down (naming the address, never a secret), up again after'
      : 'reports health up (no broker to lose)',
    async () => {
      expect((await queueHealth()).status).toBe('up');
      const broker = engine.broker;
      if (!broker) return;
      await broker.kill();
      await waitFor(async () => (await queueHealth()).status !== 'up', 8000, 'health to turn degraded');
      const down = JSON.stringify(await queueHealth());
      expect(down).toContain(broker.address);
      if (broker.secret) expect(down).not.toContain(broker.secret);
      await broker.restart();
      await waitFor(async () => (await queueHealth()).status === 'up', 15_000, 'health to recover');
      const before = workflows.runsOf('echo').length;
      await booted.scheduler.enqueueWorkflow('echo', { after: 'restart' });
      await waitFor(() => workflows.runsOf('echo').length === before + 1, 10_000, 'a job after restart');
    },
    40_000,
  );

  it('reports ticks missed while no replica ran as missed, and follows catchUp', async () => {
    const queue = engine.queueOptions('late');
    const first = await bootApp(conformanceModule(queue, [LateWorkflows]));
    // Each workflow has its own ticker: both must have fired before the gap, or one has no gap to report.
    const ranBefore = (workflow: string) =>
      first.app.get(LateWorkflows).runs.filter((r) => r.workflow === workflow).length;
    await waitFor(
      () => ranBefore('late-skip') >= 1 && ranBefore('late-once') >= 1,
      6000,
      'ticks before the gap',
    );
    await first.close();
    await sleep(1600); // ~4 ticks of 400 ms fall due while nothing runs
    const second = await bootApp(conformanceModule(queue, [LateWorkflows]));
    try {
      const late = second.app.get(LateWorkflows);
      await waitFor(() => late.runs.filter((r) => r.workflow === 'late-skip').length >= 2, 4000, 'ticks');
      const missedSkip = second.eventsOf('queue:late-skip', 'missed');
      const missedOnce = second.eventsOf('queue:late-once', 'missed');
      if (!driver.limits.durable) {
        // Nothing of the first app is kept: no gap is known, so nothing is reported or caught up.
        expect([...missedSkip, ...missedOnce]).toEqual([]);
        return;
      }
      expect(missedSkip.length).toBeGreaterThanOrEqual(2);
      expect(missedOnce.length).toBeGreaterThanOrEqual(1);
      // once: exactly one extra run for the gap, besides the regular ticks (both tick every 400 ms): counted
      // by due time up to half a period before late-skip's second tick after the boot.
      const skips = late.runs.filter((r) => r.workflow === 'late-skip');
      const before = skips[1].scheduledAt - 200;
      const early = (workflow: string) =>
        late.runs.filter((r) => r.workflow === workflow && r.scheduledAt < before).length;
      expect(early('late-once')).toBe(early('late-skip') + 1);
      for (const workflow of ['late-skip', 'late-once']) {
        const slots = late.runs.filter((r) => r.workflow === workflow).map((r) => r.scheduledAt);
        expect(new Set(slots).size).toBe(slots.length);
      }
    } finally {
      await second.close();
    }
  }, 20_000);

  it(
    driver.broker
      ? "with the broker unreachable at boot: 'fail' names engine and address, 'degrade' runs in-process"
      : 'is always reachable (in process)',
    async () => {
      if (!driver.unreachable) return;
      const { queue, address } = await driver.unreachable();
      const started = Date.now();
      const failing = bootApp(conformanceModule(queue));
      await expect(failing).rejects.toThrow(TierUnavailableError);
      await expect(bootApp(conformanceModule(queue))).rejects.toThrow(
        new RegExp(`${driver.engine}: .*${address.replace(/\./g, '\\.')}`),
      );
      expect(Date.now() - started).toBeLessThan(15_000);
      const degraded = await bootApp(
        conformanceModule(queue, [ConformanceWorkflows], { fallback: 'degrade' }),
      );
      try {
        const result = await degraded.scheduler.enqueueWorkflow('echo', { where: 'in-process' });
        // Degraded: the queue tier's in-process memory engine runs it (docs/queue.md, unreachable at boot).
        expect(result.provider).toBe('memory');
        const runs = degraded.app.get(ConformanceWorkflows);
        await waitFor(() => runs.runsOf('echo').length === 1, 3000, 'the in-process run');
      } finally {
        await degraded.close();
      }
    },
    30_000,
  );
  // Last: a frozen broker's after-effects (heartbeats missed, a reconnect) stay out of the other cases.
  it(
    driver.broker
      ? 'fails an enqueue with TierUnavailableError within unavailableTimeoutMs while the broker answers nothing; it runs at most once after'
      : 'never waits on a broker (in process)',
    async () => {
      const broker = engine.broker;
      if (!broker) return;
      const before = workflows.runsOf('echo').length;
      // SIGSTOP: the connection stays open and nothing answers, so the client never reports an outage.
      const thaw = broker.freeze();
      try {
        const started = Date.now();
        const error = await booted.scheduler.enqueueWorkflow('echo', { frozen: true }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(TierUnavailableError);
        expect((error as Error).message).toContain(broker.address);
        expect((error as Error).message).toMatch(/did not answer within 3000ms/);
        if (broker.secret) expect((error as Error).message).not.toContain(broker.secret);
        // unavailableTimeoutMs is 3000 (the default); the guard's checks run every 100 ms.
        expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
        expect(Date.now() - started).toBeLessThan(5000);
        // Health says so, though the client still sees its connection as open.
        const health = await queueHealth();
        expect(health.status).toBe('degraded');
        expect(JSON.stringify(health)).toMatch(/has answered nothing since/);
        if (broker.secret) expect(JSON.stringify(health)).not.toContain(broker.secret);
        // listJobs waits for a frozen engine once at most: while that read is unanswered, it answers stale at once.
        await booted.scheduler.listJobs();
        const again = Date.now();
        const job = (await booted.scheduler.listJobs()).find((j) => j.id === 'queue:echo');
        expect(Date.now() - again).toBeLessThan(500);
        expect(job?.details).toMatchObject({ stale: true });
      } finally {
        thaw();
      }
      // The failed call may still take effect once the broker answers (documented), but never twice.
      await booted.scheduler.enqueueWorkflow('echo', { after: 'thaw' });
      await waitFor(
        () => workflows.runsOf('echo').some((run) => (run.payload as { after?: string }).after === 'thaw'),
        60_000,
        'a job enqueued after the thaw',
      );
      expect((await queueHealth()).status).toBe('up');
      await waitFor(
        async () => !(await booted.scheduler.listJobs()).find((j) => j.id === 'queue:echo')?.details?.stale,
        10_000,
        'fresh counts after the thaw',
      );
      await sleep(1000);
      const frozen = workflows
        .runsOf('echo')
        .slice(before)
        .filter((run) => (run.payload as { frozen?: boolean }).frozen);
      expect(frozen.length).toBeLessThanOrEqual(1);
    },
    90_000,
  );
});
