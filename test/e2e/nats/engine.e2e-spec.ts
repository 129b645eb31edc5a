import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { NatsQueueEngine } from '../../../libs/hybrid-scheduler/src/tiers/queue/nats/nats-queue.engine.js';
import { startNats, type PrivateNats } from '../../support/nats.js';
import { pause, recorder, until, workflowOf } from '../rabbitmq/rabbitmq-engine.fixture.js';

/** The NATS engine against a private nats-server: the QueueEngine seam, without Nest. */
describe('NATS queue engine', () => {
  let nats: PrivateNats;

  beforeAll(async () => {
    nats = await startNats();
  }, 30_000);
  afterAll(() => nats?.stop());

  it('gives a job enqueued to run now, sent without headers of ours, the enqueue time the stream stamped', async () => {
    const rec = recorder();
    const engine = new NatsQueueEngine({ servers: nats.url, stream: 'stamped' }, 2000);
    engine.addWorkflow(
      workflowOf('stamped'),
      async (job) => void rec.runs.push({ job, at: Date.now() }),
      rec.events,
    );
    await engine.start(true);
    try {
      const before = Date.now();
      const { jobKey } = await engine.enqueue('stamped', { n: 1 }, {});
      const after = Date.now();
      await until(() => rec.runs.length === 1, 5000, 'the job');
      const { job } = rec.runs[0];
      expect(job).toMatchObject({ jobKey, attempt: 1, payload: { n: 1 } });
      expect(job.enqueuedAt.getTime()).toBeGreaterThanOrEqual(before);
      expect(job.enqueuedAt.getTime()).toBeLessThanOrEqual(after);
    } finally {
      await engine.close(1000);
    }
  });

  it('connects to servers given as the NATS client takes them: an array, a bare host:port', async () => {
    const rec = recorder();
    const bare = nats.url.replace(/^nats:\/\//, '');
    const engine = new NatsQueueEngine({ servers: [bare], stream: 'bare' }, 2000);
    engine.addWorkflow(
      workflowOf('bare'),
      async (job) => void rec.runs.push({ job, at: Date.now() }),
      rec.events,
    );
    await engine.start(true);
    try {
      await engine.enqueue('bare', { n: 1 }, {});
      await until(() => rec.runs.length === 1, 5000, 'the job');
      expect(rec.runs[0].job.payload).toEqual({ n: 1 });
    } finally {
      await engine.close(1000);
    }
  });

  it('holds the jobs that reach an open pull while paused instead of NAKing them, so no delivery is used', async () => {
    const rec = recorder();
    const engine = new NatsQueueEngine({ servers: nats.url, stream: 'paused' }, 2000);
    engine.addWorkflow(
      workflowOf('held', { concurrency: 5 }),
      async (job) => void rec.runs.push({ job, at: Date.now() }),
      rec.events,
    );
    await engine.start(true);
    try {
      await engine.enqueue('held', { warm: true }, {});
      await until(() => rec.runs.length === 1, 5000, 'the first job');
      // The idle worker keeps a pull open; jobs enqueued right after the pause reach it.
      await engine.pause('held');
      for (let i = 0; i < 3; i++) await engine.enqueue('held', { i }, {});
      await pause(1500); // longer than a pull stays open
      expect(rec.runs).toHaveLength(1);
      await engine.resume('held');
      await until(() => rec.runs.length === 4, 5000, 'the held jobs after resume');
      expect(rec.runs.slice(1).map((r) => r.job.payload)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
      expect(rec.runs.every((r) => r.job.attempt === 1)).toBe(true);
      // Four messages, four deliveries: none went back to the stream and came again.
      const nc = await connect({ servers: nats.url });
      try {
        const info = await (await jetstreamManager(nc)).consumers.info('paused', 'jobs_held');
        expect(info.delivered.consumer_seq).toBe(4);
        expect(info.num_ack_pending).toBe(0);
      } finally {
        await nc.close();
      }
    } finally {
      await engine.close(1000);
    }
  });

  it('keeps what a busy worker has asked for bounded while long jobs run (the client re-pulls a waiting reader)', async () => {
    const rec = recorder();
    const engine = new NatsQueueEngine({ servers: nats.url, stream: 'long' }, 2000);
    engine.addWorkflow(
      workflowOf('long', { concurrency: 2 }),
      async (job) => {
        rec.runs.push({ job, at: Date.now() });
        await pause(2500);
      },
      rec.events,
    );
    await engine.start(true);
    const nc = await connect({ servers: nats.url });
    try {
      for (let i = 0; i < 20; i++) await engine.enqueue('long', { i }, {});
      const jsm = await jetstreamManager(nc);
      const ackPending: number[] = [];
      for (let t = 0; t < 6; t++) {
        await pause(1000);
        ackPending.push((await jsm.consumers.info('long', 'jobs_long')).num_ack_pending);
      }
      // 2 running, 1 waiting for a slot, at most 2 × 2 in the client's buffer (before the hand-back).
      expect(Math.max(...ackPending)).toBeLessThanOrEqual(7);
      const payloads = rec.runs.map((r) => (r.job.payload as { i: number }).i);
      expect(new Set(payloads).size).toBe(payloads.length);
    } finally {
      await nc.close();
      await engine.close(500);
    }
  }, 30_000);

  // Each read used to race the message against a promise settling only at stop, leaving ~340 bytes on it per
  // message for the life of the process (about 10 MB here; a worker that ran a million jobs kept 340 MB).
  it('keeps no memory per message consumed (a long-running worker does not grow)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const JOBS = 30_000;
    let ran = 0;
    const engine = new NatsQueueEngine({ servers: nats.url, stream: 'memory' }, 2000);
    engine.addWorkflow(workflowOf('memory', { concurrency: 50 }), async () => void ran++, {
      ...recorder().events,
    });
    await engine.start(true);
    const nc = await connect({ servers: nats.url });
    try {
      await engine.pause('memory');
      const js = jetstream(nc);
      for (let i = 0; i < JOBS; i += 1000)
        await Promise.all(Array.from({ length: 1000 }, () => js.publish('memory.jobs.memory', '{}')));
      gc();
      const before = process.memoryUsage().heapUsed;
      await engine.resume('memory');
      await until(() => ran === JOBS, 60_000, 'every job');
      gc();
      const grownMb = (process.memoryUsage().heapUsed - before) / 1e6;
      expect(grownMb).toBeLessThan(4);
    } finally {
      await nc.close();
      await engine.close(1000);
    }
  }, 90_000);
});
