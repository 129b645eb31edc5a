import { Connection } from 'rabbitmq-client';
import { startRabbitMq, type PrivateRabbitMq } from '../../support/rabbitmq.js';
import { engineWith, pause, recorder, until, workflowOf } from './rabbitmq-engine.fixture.js';
import { RabbitMqQueueEngine } from '../../../libs/hybrid-scheduler/src/tiers/queue/rabbitmq/rabbitmq-queue.engine.js';
import { DeadLetterNotFoundError } from '../../../libs/hybrid-scheduler/src/errors/index.js';

/** The RabbitMQ engine against a private node: the QueueEngine seam, without Nest. */
describe('RabbitMQ queue engine', () => {
  let node: PrivateRabbitMq;
  const engines: RabbitMqQueueEngine[] = [];
  const track = (engine: RabbitMqQueueEngine) => (engines.push(engine), engine);

  beforeAll(async () => {
    node = await startRabbitMq();
  }, 90_000);
  afterEach(async () => {
    await Promise.all(engines.splice(0).map((e) => e.close(500).catch(() => undefined)));
  });
  afterAll(() => node?.stop());

  it('runs an enqueued job once with its payload as attempt 1 and acks it only after success', async () => {
    const rec = recorder();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const engine = track(engineWith(node.url, workflowOf('once'), rec, () => gate));
    await engine.start(true);
    const { jobKey, created } = await engine.enqueue('once', { n: 1 }, {});
    expect(created).toBe(true);
    await until(() => rec.runs.length === 1);
    // Running, not acked: the message is unacked, so neither waiting nor gone.
    expect(await engine.counts('once')).toMatchObject({ waiting: 0, active: 1 });
    release();
    await pause(300);
    expect(rec.runs).toHaveLength(1);
    expect(rec.runs[0].job).toMatchObject({ jobKey, payload: { n: 1 }, attempt: 1, workflow: 'once' });
    expect(await engine.counts('once')).toMatchObject({ waiting: 0, active: 0, dead: 0 });
  });

  it('retries with the backoff delays, then dead-letters; retry and purge work on the dead queue', async () => {
    const rec = recorder();
    let fail = true;
    const workflow = workflowOf('flaky', { attempts: 3, backoff: { type: 'exponential', delayMs: 300 } });
    const engine = track(
      engineWith(node.url, workflow, rec, async () => {
        if (fail) throw new Error('boom 42');
      }),
    );
    await engine.start(true);
    const enqueuedAt = Date.now();
    const { jobKey } = await engine.enqueue('flaky', { x: 'y' }, {});
    await until(() => rec.dead.length === 1, 15_000, 'dead letter');
    expect(rec.runs.map((r) => r.job.attempt)).toEqual([1, 2, 3]);
    expect(rec.retries.map((r) => r.delayMs)).toEqual([300, 600]);
    // Observed gaps: never early, within 400 ms of the backoff.
    const gaps = [rec.runs[1].at - rec.runs[0].at, rec.runs[2].at - rec.runs[1].at];
    expect(gaps[0]).toBeGreaterThanOrEqual(300);
    expect(gaps[0]).toBeLessThan(700);
    expect(gaps[1]).toBeGreaterThanOrEqual(600);
    expect(gaps[1]).toBeLessThan(1000);

    const letters = await engine.deadLetters('flaky');
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      id: `queue:flaky:${jobKey}`,
      payload: { x: 'y' },
      error: 'boom 42',
      attempts: 3,
    });
    expect(letters[0].stack).toContain('boom 42');
    // Every attempt and the letter keep the enqueue time (from the job key: no header carries it).
    for (const run of rec.runs) expect(run.job.enqueuedAt).toEqual(letters[0].enqueuedAt);
    expect(letters[0].enqueuedAt.getTime() - enqueuedAt).toBeLessThan(1000);
    expect(letters[0].enqueuedAt.getTime()).toBeGreaterThanOrEqual(enqueuedAt);
    // Listing does not consume them.
    expect(await engine.deadLetters('flaky')).toHaveLength(1);
    expect((await engine.counts('flaky')).dead).toBe(1);

    await expect(engine.retryDeadLetter('flaky', 'nope')).rejects.toThrow(DeadLetterNotFoundError);
    fail = false;
    await engine.retryDeadLetter('flaky', jobKey);
    await until(() => rec.runs.length === 4);
    expect(rec.runs[3].job).toMatchObject({ jobKey, attempt: 1, enqueuedAt: letters[0].enqueuedAt });
    expect(await engine.deadLetters('flaky')).toHaveLength(0);

    fail = true;
    await engine.enqueue('flaky', {}, {});
    await until(() => rec.dead.length === 2, 15_000);
    expect(await engine.purgeDeadLetters('flaky')).toBe(1);
    expect(await engine.deadLetters('flaky')).toHaveLength(0);
  }, 40_000);

  it('carries the job headers (trace context) to the run, also into a retry', async () => {
    const rec = recorder();
    const workflow = workflowOf('traced', { attempts: 2, backoff: { type: 'fixed', delayMs: 100 } });
    const engine = track(
      engineWith(node.url, workflow, rec, async (job) => {
        if (job.attempt === 1) throw new Error('once');
      }),
    );
    await engine.start(true);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await engine.enqueue('traced', {}, {}, { traceparent, tracestate: 'hs=1' });
    await until(() => rec.runs.length === 2);
    for (const run of rec.runs) expect(run.job.headers).toEqual({ traceparent, tracestate: 'hs=1' });
  });

  it('runs a delayed job not early and within 250 ms of its time; counts it as delayed meanwhile', async () => {
    const rec = recorder();
    const engine = track(engineWith(node.url, workflowOf('later', { concurrency: 4 }), rec));
    await engine.start(true);
    const t0 = Date.now();
    await engine.enqueue('later', { d: 1300 }, { delayMs: 1300 });
    await engine.enqueue('later', { d: 700 }, { runAt: new Date(t0 + 700) });
    await pause(150);
    expect((await engine.counts('later')).delayed).toBe(2);
    await until(() => rec.runs.length === 2, 5000);
    const byDelay = Object.fromEntries(rec.runs.map((r) => [(r.job.payload as { d: number }).d, r.at - t0]));
    expect(byDelay[700]).toBeGreaterThanOrEqual(700);
    expect(byDelay[700]).toBeLessThan(950);
    expect(byDelay[1300]).toBeGreaterThanOrEqual(1300);
    expect(byDelay[1300]).toBeLessThan(1550);
  });

  it('creates one job for one idempotency key, from any replica, within the window', async () => {
    const rec = recorder();
    const a = track(engineWith(node.url, workflowOf('idem'), rec));
    const b = track(engineWith(node.url, workflowOf('idem'), recorder()));
    await a.start(true);
    await b.start(false);
    const results = await Promise.all([
      a.enqueue('idem', { i: 1 }, { idempotencyKey: 'order-7' }),
      b.enqueue('idem', { i: 2 }, { idempotencyKey: 'order-7' }),
      a.enqueue('idem', { i: 3 }, { idempotencyKey: 'order-7' }),
    ]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const first = results.find((r) => r.created)!;
    for (const r of results.filter((x) => !x.created)) expect(r.jobKey).toBe(first.jobKey);
    await until(() => rec.runs.length === 1);
    await pause(300);
    expect(rec.runs).toHaveLength(1);
    // Still one after the job finished (the key holds for the window).
    expect((await a.enqueue('idem', {}, { idempotencyKey: 'order-7' })).created).toBe(false);
    expect((await a.enqueue('idem', {}, { idempotencyKey: 'order-8' })).created).toBe(true);
  });

  it('holds at most 2 × concurrency messages per process; the rest waits in the queue for other replicas', async () => {
    const rec = recorder();
    let running = 0;
    let most = 0;
    const handler = async () => {
      most = Math.max(most, ++running);
      await pause(1500);
      running--;
    };
    const engine = track(engineWith(node.url, workflowOf('held', { concurrency: 2 }), rec, handler));
    await engine.start(true);
    for (let i = 0; i < 20; i++) await engine.enqueue('held', { i }, {});
    await until(() => rec.runs.length === 2);
    await pause(300);
    // 2 running and 2 read ahead in this process: 16 ready for any consumer.
    expect(await engine.counts('held')).toMatchObject({ waiting: 16, active: 2 });
    const other = track(engineWith(node.url, workflowOf('held', { concurrency: 2 }), recorder(), handler));
    await other.start(true);
    await until(() => running === 4, 5000, 'the second replica to take jobs');
    expect(most).toBe(4);
  }, 30_000);

  it('runs higher priorities first (1 = highest) from a backlog', async () => {
    const rec = recorder();
    const engine = track(engineWith(node.url, workflowOf('prio'), rec));
    await engine.start(false);
    await engine.enqueue('prio', { p: 5 }, { priority: 5 });
    await engine.enqueue('prio', { p: 9 }, { priority: 9 });
    await engine.enqueue('prio', { p: 1 }, { priority: 1 });
    await engine.close(0);
    const consumer = track(engineWith(node.url, workflowOf('prio'), rec));
    await consumer.start(true);
    await until(() => rec.runs.length === 3);
    expect(rec.runs.map((r) => (r.job.payload as { p: number }).p)).toEqual([1, 5, 9]);
  });

  it('runs a job that a plain AMQP producer published to the documented queue with a JSON body', async () => {
    const rec = recorder();
    const engine = track(engineWith(node.url, workflowOf('plain'), rec));
    await engine.start(true);
    const raw = new Connection(node.url);
    raw.on('error', () => undefined);
    const ch = await raw.acquire();
    await ch.basicPublish({ routingKey: 'test.plain', durable: true }, Buffer.from('{"from":"outside"}'));
    await ch.basicPublish({ routingKey: 'test.plain', durable: true }, Buffer.from('not json'));
    await ch.close();
    await raw.close();
    await until(() => rec.runs.length === 1);
    expect(rec.runs[0].job).toMatchObject({ payload: { from: 'outside' }, attempt: 1 });
    await pause(200);
    const letters = await engine.deadLetters('plain');
    expect(letters).toHaveLength(1);
    expect(letters[0].error).toContain('rejected');
  });

  it('sends a job due now without a header table (enqueue time in its UUIDv7 id), a string payload as JSON', async () => {
    const rec = recorder();
    const producer = track(engineWith(node.url, workflowOf('lean'), rec));
    await producer.start(false);
    const before = Date.now();
    const { jobKey } = await producer.enqueue('lean', 'just text', {});
    const after = Date.now();
    expect(jobKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const raw = new Connection(node.url);
    raw.on('error', () => undefined);
    const ch = await raw.acquire();
    const msg = await ch.basicGet({ queue: 'test.lean', noAck: false });
    expect(msg).toMatchObject({ messageId: jobKey, contentType: 'application/json', body: 'just text' });
    expect(msg?.headers).toBeUndefined();
    await ch.close(); // unacked: back to the queue
    await raw.close();
    const consumer = track(engineWith(node.url, workflowOf('lean'), rec));
    await consumer.start(true);
    await until(() => rec.runs.length === 1);
    const { job } = rec.runs[0];
    expect(job).toMatchObject({ jobKey, payload: 'just text', attempt: 1 });
    expect(job.enqueuedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(job.enqueuedAt.getTime()).toBeLessThanOrEqual(after);
  });

  it('gives a job back when its consumer dies mid-run; another replica runs it to completion', async () => {
    const recA = recorder();
    const recB = recorder();
    const a = track(engineWith(node.url, workflowOf('crash'), recA, () => new Promise(() => undefined)));
    await a.start(true);
    await a.enqueue('crash', { k: 1 }, {});
    await until(() => recA.runs.length === 1);
    const b = track(engineWith(node.url, workflowOf('crash'), recB));
    await b.start(true);
    // The broker sees the connection drop, as when the process is SIGKILLed.
    (a as unknown as { broker: { connection: Connection } }).broker.connection.unsafeDestroy();
    await until(() => recB.runs.length === 1, 10_000);
    expect(recB.runs[0].job).toMatchObject({ payload: { k: 1 }, jobKey: recA.runs[0].job.jobKey });
  });

  it('at shutdown hands running jobs back without using an attempt after the drain timeout', async () => {
    const recA = recorder();
    const recB = recorder();
    const workflow = workflowOf('drain', { attempts: 2 });
    const a = engineWith(node.url, workflow, recA, (_job, signal) => {
      return new Promise((_, reject) =>
        signal?.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    });
    await a.start(true);
    await a.enqueue('drain', { d: 1 }, {});
    await until(() => recA.runs.length === 1);
    await a.stopConsuming();
    await a.close(300);
    const b = track(engineWith(node.url, workflow, recB));
    await b.start(true);
    await until(() => recB.runs.length === 1);
    expect(recB.runs[0].job.attempt).toBe(1);
    expect(recA.retries).toHaveLength(0);
  });

  it('fires a recurring tick once per tick across 3 replicas, and another replica takes over when the ticker dies', async () => {
    const recs = [recorder(), recorder(), recorder()];
    const workflow = workflowOf('tick', { schedule: { kind: 'every', everyMs: 500 } });
    const replicas = recs.map((rec) => track(engineWith(node.url, workflow, rec)));
    await Promise.all(replicas.map((r) => r.start(true)));
    await pause(2600);
    const tickerIndex = await (async () => {
      for (let i = 0; i < 3; i++) if ((await replicas[i].health()).details.tickingHere === 1) return i;
      return -1;
    })();
    expect(tickerIndex).toBeGreaterThanOrEqual(0);
    (
      replicas[tickerIndex] as unknown as { broker: { connection: Connection } }
    ).broker.connection.unsafeDestroy();
    await pause(2600);
    const ticks = recs.flatMap((r) => r.runs.map((x) => x.job.scheduledAt!.getTime()));
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks.length).toBeGreaterThanOrEqual(8);
    for (const t of ticks) expect(t % 500).toBe(0);
    // No gap: the survivor went on from the last tick.
    const sorted = [...ticks].sort((x, y) => x - y);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i] - sorted[i - 1]).toBe(500);
    const others = [0, 1, 2].filter((i) => i !== tickerIndex);
    expect(
      await Promise.all(others.map(async (i) => (await replicas[i].health()).details.tickingHere)),
    ).toContain(1);
  }, 20_000);

  it('names the address and never the password in probe and health; keeps messages across a broker restart', async () => {
    const secretUrl = node.url.replace('guest:guest', 'guest:guest');
    const bad = new RabbitMqQueueEngine({ url: `amqp://user:s3cret-pw@127.0.0.1:1/vh` });
    const probe = await bad.probe();
    expect(probe.available).toBe(false);
    expect(probe.reason).toContain('127.0.0.1:1');
    expect(probe.reason).not.toContain('s3cret-pw');
    // The node answers and refuses the login: said as such (not "unreachable"), without the client's "undefined:".
    const refused = await new RabbitMqQueueEngine({
      url: node.url.replace('guest:guest', 'guest:wr0ng-pw'),
    }).probe();
    expect(refused.reason).toMatch(
      /^rabbitmq: RabbitMQ at 127\.0\.0\.1:\d+ \(vhost \/\) refused the credentials \(ACCESS_REFUSED/,
    );
    expect(refused.reason).not.toMatch(/undefined|wr0ng-pw/);

    const rec = recorder();
    const engine = track(engineWith(secretUrl, workflowOf('durable', { concurrency: 5 }), rec));
    await engine.start(false);
    for (let i = 0; i < 20; i++) await engine.enqueue('durable', { i }, {});
    await engine.enqueue('durable', { i: 'late' }, { delayMs: 1500 });
    expect((await engine.health()).status).toBe('up');
    await node.kill();
    await until(() => !(engine as unknown as { broker: { ready: boolean } }).broker.ready, 5000);
    const down = await engine.health();
    expect(down.status).toBe('degraded');
    expect(JSON.stringify(down)).toContain(`127.0.0.1:${node.port}`);
    expect(JSON.stringify(down)).not.toContain('guest:guest');
    await node.restart();
    await until(() => (engine as unknown as { broker: { ready: boolean } }).broker.ready, 20_000);
    const consumer = track(engineWith(node.url, workflowOf('durable', { concurrency: 5 }), rec));
    await consumer.start(true);
    await until(() => rec.runs.length === 21, 20_000, 'all 21 jobs after the restart');
    expect(new Set(rec.runs.map((r) => JSON.stringify(r.job.payload))).size).toBe(21);
  }, 60_000);
});
