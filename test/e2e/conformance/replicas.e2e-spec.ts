import { Injectable } from '@nestjs/common';
import { QueuedWorkflow } from 'nestjs-hybrid-scheduler';
import { bootApp, sleep, waitFor, type BootedApp } from '../../support/nest-app.js';
import { QueueAppProcess, type Line } from '../queue/queue-app.process.js';
import { conformanceModule } from './conformance.workflows.js';
import { DRIVERS } from './drivers/index.js';
import type { RunningEngine } from './engine.driver.js';

/** The fixture's workflows, declared again so that an in-process producer-only app can enqueue to them. */
@Injectable()
class FixtureWorkflows {
  @QueuedWorkflow({ name: 'record', concurrency: 8 })
  record() {}

  @QueuedWorkflow({ name: 'slow', attempts: 3, backoff: { type: 'fixed', delayMs: 100 } })
  slow() {}
}

/**
 * Conformance across processes: three replicas of test/fixtures/queue-app (run from dist/: `npm run build`
 * first) on one private server. Once per tick, SIGKILL and SIGTERM of a consumer, raw producers, broker restart.
 */
describe.each(DRIVERS)('conformance on $engine: three replicas', (driver) => {
  const NS = 'replicas';
  let engine: RunningEngine;
  let producer: BootedApp;
  let apps: QueueAppProcess[] = [];
  const lines: Line[] = [];
  const of = (event: string, id?: string) =>
    lines.filter((l) => l.event === event && (id === undefined || l.id === id));
  const replicaOf = (pid: number) => apps.find((a) => a.pid === pid)!;
  const forget = (app: QueueAppProcess) => (apps = apps.filter((a) => a !== app));

  beforeAll(async () => {
    engine = await driver.start();
    const queue = { ...engine.queueOptions(NS), shutdownTimeoutMs: 1500 };
    const env = { QUEUE_OPTIONS: JSON.stringify(queue), TICKS: '1' };
    apps = [0, 1, 2].map(() => new QueueAppProcess(env, lines));
    producer = await bootApp(conformanceModule({ ...queue, roles: ['producer'] }, [FixtureWorkflows]));
    await waitFor(() => of('ready').length === 3, 30_000, 'three app processes to boot');
  }, 45_000);

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.kill()));
    await producer?.close();
    await engine?.stop();
  });

  it(
    driver.limits.shared
      ? 'runs each tick of a recurring workflow once across three replicas'
      : 'runs each tick once in every replica (documented: one queue per process)',
    async () => {
      const from = Date.now() + 500;
      await sleep(5_500);
      const ticks = of('tick').filter(
        (l) => (l.scheduledAt as number) >= from && (l.scheduledAt as number) < from + 4_000,
      );
      if (!driver.limits.shared) {
        // Every replica has its own schedule: each runs ~4 ticks in the 4 s window.
        const perPid = apps.map((a) => ticks.filter((t) => t.pid === a.pid).length);
        expect(perPid.every((n) => n >= 3 && n <= 5)).toBe(true);
        return;
      }
      const perSlot = new Map<number, number>();
      for (const t of ticks)
        perSlot.set(t.scheduledAt as number, (perSlot.get(t.scheduledAt as number) ?? 0) + 1);
      expect([...perSlot.values()].filter((n) => n !== 1)).toEqual([]);
      expect(perSlot.size).toBeGreaterThanOrEqual(3);
      expect(perSlot.size).toBeLessThanOrEqual(5);
      // Which replica runs a tick is the engine's choice (JetStream serves the oldest pull request).
    },
    15_000,
  );

  it(
    driver.broker
      ? 'accepts a job from a plain producer of the engine (documented subject/queue, JSON body)'
      : 'has no plain producer (in process)',
    async () => {
      if (!engine.produceRaw) return;
      await engine.produceRaw(NS, 'record', { hello: 'raw' });
      await waitFor(
        () => of('ran').some((l) => (l.payload as { hello?: string }).hello === 'raw'),
        5000,
        'the raw job',
      );
      const ran = of('ran').filter((l) => (l.payload as { hello?: string }).hello === 'raw');
      expect(ran).toEqual([expect.objectContaining({ attempt: 1 })]);
    },
  );

  it(
    driver.limits.shared
      ? 'finishes the job of a consumer killed with SIGKILL mid-job on another replica'
      : 'loses the jobs of a killed process (documented: not durable)',
    async () => {
      if (!driver.limits.shared) return;
      await producer.scheduler.enqueueWorkflow('slow', { id: 'kill-me', ms: 1500 });
      await waitFor(() => of('start', 'kill-me').length === 1, 5000, 'the slow job to start');
      const victim = replicaOf(of('start', 'kill-me')[0].pid);
      await victim.kill();
      forget(victim);
      await waitFor(() => of('done', 'kill-me').length === 1, 15_000, 'another replica to finish it');
      expect(of('done', 'kill-me')[0].pid).not.toBe(victim.pid);
      await sleep(300);
      expect(of('done', 'kill-me')).toHaveLength(1);
    },
    30_000,
  );

  it(
    driver.limits.shared
      ? 'on SIGTERM, finishes the running job before exiting'
      : 'on SIGTERM, finishes the running job before exiting (not applicable: nothing to enqueue to)',
    async () => {
      if (!driver.limits.shared) return;
      await producer.scheduler.enqueueWorkflow('slow', { id: 'drain-me', ms: 800 });
      await waitFor(() => of('start', 'drain-me').length === 1, 5000, 'the slow job to start');
      const started = of('start', 'drain-me')[0];
      const app = replicaOf(started.pid);
      await app.stop();
      forget(app);
      expect(app.exit!.code === 0 || app.exit!.signal === 'SIGTERM').toBe(true);
      expect(of('done', 'drain-me')).toEqual([expect.objectContaining({ pid: started.pid })]);
      expect(of('start', 'drain-me')).toHaveLength(1);
    },
    20_000,
  );

  it(
    driver.limits.shared
      ? 'on SIGTERM past shutdownTimeoutMs, hands the aborted job back without using an attempt'
      : 'on SIGTERM past shutdownTimeoutMs, aborts the job (not applicable: nothing to hand back to)',
    async () => {
      if (!driver.limits.shared) return;
      // Replace the replicas stopped above so that one is left to take the job over.
      const queue = { ...engine.queueOptions(NS), shutdownTimeoutMs: 1500 };
      while (apps.length < 2) apps.push(new QueueAppProcess({ QUEUE_OPTIONS: JSON.stringify(queue) }, lines));
      await waitFor(
        () => apps.every((a) => lines.some((l) => l.event === 'ready' && l.pid === a.pid)),
        30_000,
        'replicas',
      );
      await producer.scheduler.enqueueWorkflow('slow', { id: 'abort-me', ms: 4000 });
      await waitFor(() => of('start', 'abort-me').length === 1, 5000, 'the slow job to start');
      const first = of('start', 'abort-me')[0];
      const app = replicaOf(first.pid);
      await app.stop();
      forget(app);
      await waitFor(() => of('done', 'abort-me').length === 1, 15_000, 'another replica to run it');
      const starts = of('start', 'abort-me');
      expect(starts.map((s) => s.attempt)).toEqual([1, 1]);
      expect(starts[1].pid).not.toBe(first.pid);
      expect(of('done', 'abort-me')[0].pid).toBe(starts[1].pid);
    },
    40_000,
  );

  it(
    driver.broker
      ? 'loses no enqueued job when the broker is killed and restarted'
      : 'has no broker to restart',
    async () => {
      const broker = engine.broker;
      if (!broker) return;
      const ids: string[] = [];
      for (let n = 0; n < 20; n++)
        ids.push((await producer.scheduler.enqueueWorkflow('record', { n }, { delayMs: 1500 })).id);
      await broker.kill();
      await sleep(300);
      await broker.restart();
      const ran = () => of('ran').filter((l) => typeof (l.payload as { n?: number }).n === 'number');
      await waitFor(() => ran().length >= 20, 20_000, 'all 20 jobs after the restart');
      expect(new Set(ran().map((l) => (l.payload as { n: number }).n)).size).toBe(20);
      expect(ids).toHaveLength(20);
      expect(apps.every((a) => !a.exit)).toBe(true);
    },
    40_000,
  );
});
