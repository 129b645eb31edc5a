import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { waitFor } from '../../support/nest-app.js';
import { startRedis, type PrivateRedis } from '../../support/redis.js';
import { QueueAppProcess, type Line } from './queue-app.process.js';

/**
 * Real replicas: three child processes of test/fixtures/queue-app share one private Redis (AOF on). Needs
 * `npm run -s build:lib && npm run -s build` first (the fixture runs from dist/).
 */
describe('queue tier across processes (BullMQ, private redis-server)', () => {
  let redis: PrivateRedis;
  let connection: Redis;
  const lines: Line[] = [];
  let apps: QueueAppProcess[] = [];
  const PREFIX = 'procs';
  const of = (event: string) => lines.filter((l) => l.event === event);
  const queue = (name: string) => new Queue(name, { connection, prefix: PREFIX });

  beforeAll(async () => {
    redis = await startRedis({ appendOnly: true });
    connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    connection.on('error', () => undefined); // the Redis restart test makes it reconnect
    const env = { REDIS_URL: redis.url, PREFIX, TICKS: '1' };
    apps = [0, 1, 2].map(() => new QueueAppProcess(env, lines));
    await waitFor(() => of('ready').length === 3, 20_000, 'three app processes to boot');
  }, 30_000);

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.kill()));
    connection?.disconnect();
    await redis?.stop();
  });

  it('runs each tick of a recurring workflow and of a singleton internal task exactly once across three replicas', async () => {
    const from = Date.now();
    await new Promise((r) => setTimeout(r, 10_000));
    const count = (event: string) => {
      const ticks = of(event).filter(
        (l) => (l.scheduledAt as number) >= from && (l.scheduledAt as number) < from + 9_000,
      );
      const slots = new Map<number, number>();
      for (const t of ticks)
        slots.set(t.scheduledAt as number, (slots.get(t.scheduledAt as number) ?? 0) + 1);
      return { ticks, slots };
    };
    for (const event of ['tick', 'lease']) {
      const { ticks, slots } = count(event);
      // One per second for 9 s: every slot present once, none twice.
      expect([...slots.values()].filter((n) => n > 1)).toEqual([]);
      expect(ticks.length).toBeGreaterThanOrEqual(8);
      expect(ticks.length).toBeLessThanOrEqual(10);
    }
    // The work is shared: more than one replica ran ticks.
    expect(new Set(of('tick').map((l) => l.pid)).size).toBeGreaterThan(1);
  }, 20_000);

  it('accepts jobs from a plain BullMQ producer by queue name and payload', async () => {
    const raw = queue('record');
    await raw.add('from-a-script', { hello: 'raw' });
    await raw.close();
    await waitFor(
      () => of('ran').some((l) => (l.payload as { hello?: string }).hello === 'raw'),
      5000,
      'the raw job',
    );
  });

  it('finishes the job of a worker killed with SIGKILL on another replica (stalled-job recovery)', async () => {
    const slow = queue('slow');
    await slow.add('slow', { id: 'kill-me', ms: 1500 }, { attempts: 3 });
    await waitFor(() => of('start').some((l) => l.id === 'kill-me'), 5000, 'the slow job to start');
    const victim = apps.find((a) => a.pid === of('start').find((l) => l.id === 'kill-me')!.pid)!;
    await victim.kill();
    await waitFor(
      () => of('done').some((l) => l.id === 'kill-me'),
      15_000,
      'another replica to finish the job',
    );
    const done = of('done').filter((l) => l.id === 'kill-me');
    expect(done).toHaveLength(1);
    expect(done[0].pid).not.toBe(victim.pid);
    await waitFor(
      async () => (await slow.getJobCounts('completed')).completed === 1,
      3000,
      'the job to be completed',
    );
    await slow.close();
    apps = apps.filter((a) => a !== victim);
  }, 30_000);

  it('drains the job in flight on SIGTERM before exiting', async () => {
    const slow = queue('slow');
    await slow.add('slow', { id: 'drain-me', ms: 1500 }, { attempts: 1 });
    await waitFor(() => of('start').some((l) => l.id === 'drain-me'), 5000, 'the slow job to start');
    const started = of('start').find((l) => l.id === 'drain-me')!;
    const app = apps.find((a) => a.pid === started.pid)!;
    await app.stop();
    // Nest re-raises the signal after its shutdown hooks ran, so the exit is "killed by SIGTERM", after the drain.
    expect(app.exit!.code === 0 || app.exit!.signal === 'SIGTERM').toBe(true);
    expect(app.stderr).not.toMatch(/error/i);
    const done = of('done').filter((l) => l.id === 'drain-me');
    expect(done).toEqual([expect.objectContaining({ pid: started.pid })]);
    expect(of('start').filter((l) => l.id === 'drain-me')).toHaveLength(1);
    expect((await slow.getJobCounts('completed')).completed).toBeGreaterThanOrEqual(1);
    await slow.close();
    apps = apps.filter((a) => a !== app);
  }, 20_000);

  it('loses no acknowledged job when Redis is killed and restarted (AOF)', async () => {
    const record = queue('record');
    const ids: string[] = [];
    for (let i = 0; i < 30; i++)
      ids.push(String((await record.add('durable', { n: i }, { delay: 2500 })).id));
    await record.close();
    await redis.kill();
    await new Promise((r) => setTimeout(r, 500));
    await redis.restart();
    await waitFor(
      () => ids.every((id) => of('ran').some((l) => l.jobKey === id)),
      20_000,
      'all 30 jobs after the restart',
    );
    expect(of('ran').filter((l) => ids.includes(l.jobKey as string))).toHaveLength(30);
    expect(apps.every((a) => !a.exit)).toBe(true);
  }, 30_000);
});
