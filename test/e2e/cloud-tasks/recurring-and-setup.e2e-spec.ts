import {
  startCloudTasksEmulator,
  type CloudTasksEmulator,
} from '../../support/cloud-tasks-emulator/index.js';
import {
  bootCloudApp,
  emulatorClient,
  LOCATION,
  PROJECT,
  sleep,
  TickWorkflows,
  type CloudApp,
} from './cloud-tasks.fixture.js';
import { waitFor } from '../../support/nest-app.js';
import { Injectable } from '@nestjs/common';
import { QueuedWorkflow } from 'nestjs-hybrid-scheduler';

/** A tick further ahead than Cloud Tasks takes a scheduleTime (30 days): 90 days from now, at midnight UTC. */
const farTick = new Date(Date.now() + 90 * 86_400_000);
farTick.setUTCHours(0, 0, 0, 0);

@Injectable()
class FarTickWorkflow {
  @QueuedWorkflow({
    name: 'quarterly',
    cron: `0 0 ${farTick.getUTCDate()} ${farTick.getUTCMonth() + 1} *`,
    timeZone: 'UTC',
  })
  run(): void {}
}

describe('Cloud Tasks provider: recurring ticks across replicas', () => {
  let emulator: CloudTasksEmulator;
  const apps: CloudApp[] = [];

  beforeAll(async () => {
    emulator = await startCloudTasksEmulator({ timeScale: 0.01 });
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await emulator?.stop();
  });

  it('two app instances firing the same every-1s tick create one task per tick, run once', async () => {
    apps.push(await bootCloudApp(emulator, 'ticks', { providers: [TickWorkflows] }));
    apps.push(await bootCloudApp(emulator, 'ticks', { providers: [TickWorkflows] }));
    await sleep(3200);
    for (const app of apps) await app.close();
    await emulator.awaitIdle();

    const ticks = apps.flatMap((app) => app.app.get(TickWorkflows).ticks);
    const fireTimes = ticks.map((t) => t.scheduledAt.getTime());
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(new Set(fireTimes).size).toBe(fireTimes.length); // no tick ran twice
    expect(fireTimes.every((t) => t % 1000 === 0)).toBe(true); // anchored to whole seconds, same on every replica
    const dispatched = emulator.dispatches().map((d) => d.taskId);
    expect(new Set(dispatched).size).toBe(dispatched.length);
    // Both replicas tried to create every tick; Cloud Tasks kept one of each.
    expect(emulator.createTaskCalls()).toBeGreaterThanOrEqual(2 * ticks.length);
  });
});

describe('Cloud Tasks provider: ticks while paused', () => {
  let emulator: CloudTasksEmulator;
  let app: CloudApp | undefined;

  beforeAll(async () => {
    emulator = await startCloudTasksEmulator({ timeScale: 0.01 });
  });

  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  it('are not enqueued and are reported as missed when due, never silently dropped; resume runs ticks again', async () => {
    app = await bootCloudApp(emulator, 'paused-ticks', { providers: [TickWorkflows] });
    await app.scheduler.pause('queue:every-second');
    const missed = () => app!.events.filter((e) => e.type === 'missed' && e.jobId === 'queue:every-second');
    await waitFor(() => missed().length >= 2, 8_000, 'two missed ticks while paused');
    const ran = app.app.get(TickWorkflows).ticks.map((t) => t.scheduledAt.getTime());
    for (const event of missed()) {
      expect(event.reason).toBe('workflow is paused');
      expect(ran).not.toContain(event.scheduledAt!.getTime());
    }
    const lastMissed = Math.max(...missed().map((e) => e.scheduledAt!.getTime()));
    await app.scheduler.resume('queue:every-second');
    await waitFor(
      () => app!.app.get(TickWorkflows).ticks.some((t) => t.scheduledAt.getTime() > lastMissed),
      8_000,
      'a tick after resume',
    );
  });
});

describe('Cloud Tasks provider: ticks after CreateTask failures', () => {
  let emulator: CloudTasksEmulator;
  let app: CloudApp | undefined;

  beforeAll(async () => {
    emulator = await startCloudTasksEmulator({ timeScale: 0.01 });
  });

  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  it('reports a tick Cloud Tasks did not take as missed and goes on ticking (one outage stopped them for good)', async () => {
    app = await bootCloudApp(emulator, 'failed-ticks', { providers: [TickWorkflows] });
    const ticks = app.app.get(TickWorkflows).ticks;
    await waitFor(() => ticks.length >= 1, 5_000, 'a first tick');
    // More failures than the enqueuer retries (5): the next tick's task is never created.
    emulator.failNextCreates(8);
    const missed = () => app!.events.filter((e) => e.type === 'missed' && e.jobId === 'queue:every-second');
    await waitFor(() => missed().length >= 1, 15_000, 'the tick not taken, reported missed');
    expect(missed()[0].reason).toMatch(/^Cloud Tasks did not take its task: /);
    const lastMissed = Math.max(...missed().map((e) => e.scheduledAt!.getTime()));
    await waitFor(
      () => ticks.some((t) => t.scheduledAt.getTime() > lastMissed),
      10_000,
      'a tick after the failures',
    );
    expect(ticks.map((t) => t.scheduledAt.getTime())).not.toContain(lastMissed);
  }, 40_000);
});

describe('Cloud Tasks provider: module setup', () => {
  let emulator: CloudTasksEmulator;

  beforeAll(async () => {
    emulator = await startCloudTasksEmulator({ timeScale: 0.01 });
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  it('boots with a tick further ahead than 30 days and creates no task until it is within 29 days (Cloud Tasks refuses a scheduleTime further ahead: the app failed to start)', async () => {
    const callsBefore = emulator.createTaskCalls();
    const app = await bootCloudApp(emulator, 'far-ticks', { providers: [FarTickWorkflow], fallback: 'fail' });
    try {
      const job = await app.scheduler.getJob('queue:quarterly');
      expect(job.nextRunAt?.getTime()).toBe(farTick.getTime());
      expect(job.details?.inProcess).toBeUndefined();
      // Nothing sent yet: the task is created 29 days before it is due.
      expect(emulator.createTaskCalls()).toBe(callsBefore);
    } finally {
      await app.close();
    }
  });

  it('works with forRootAsync and a custom pushPath (the default path is not mounted)', async () => {
    const app = await bootCloudApp(emulator, 'async', { async: true, extra: { pushPath: '/hooks/tasks/' } });
    try {
      await app.scheduler.enqueueWorkflow('send-email', { via: 'async' });
      await emulator.awaitIdle();
      expect(app.workflows.callsOf('send-email').map((c) => c.payload)).toEqual([{ via: 'async' }]);
      expect(emulator.dispatches().at(-1)!.url).toBe(`${app.publicUrl}/hooks/tasks/send-email`);
      expect(
        (await fetch(`${app.publicUrl}/hybrid-scheduler/cloud-tasks/send-email`, { method: 'POST' })).status,
      ).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('creates the queue with derived retry settings (ensureQueue) and lists the dead-letter count', async () => {
    const app = await bootCloudApp(emulator, 'ensured');
    const client = emulatorClient(emulator);
    try {
      const [queue] = await client.getQueue({ name: client.queuePath(PROJECT, LOCATION, 'ensured') });
      expect(queue.retryConfig).toMatchObject({
        maxAttempts: -1,
        minBackoff: { seconds: '1' },
        maxDoublings: 16,
      });
      const jobs = await app.scheduler.listJobs();
      expect(jobs.find((j) => j.id === 'queue:send-email')?.details).toMatchObject({
        provider: 'cloud-tasks',
        dead: 0,
      });
    } finally {
      await client.close();
      await app.close();
    }
  });

  // With fallback 'fail' the reason surfaces at boot (with 'degrade' the workflows would run in-process).
  it('refuses to boot without a service account, naming the option', async () => {
    await expect(
      bootCloudApp(emulator, 'no-sa', { fallback: 'fail', extra: { serviceAccountEmail: undefined } }),
    ).rejects.toThrow(/queue\.cloudTasks\.serviceAccountEmail is required/);
  });

  it('says which queue is missing when ensureQueue is off', async () => {
    await expect(
      bootCloudApp(emulator, 'missing', { fallback: 'fail', extra: { ensureQueue: false } }),
    ).rejects.toThrow(/queues\/missing does not exist/);
  });
});
