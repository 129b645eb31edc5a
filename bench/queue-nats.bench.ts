// Queue tier on NATS JetStream vs the raw @nats-io/jetstream client on the same private nats-server in the same run
// (part of `npm run bench -- queue`): publish+consume throughput at concurrency 1, 10 and 50 and enqueue→start
// p50/p99. The producer runs in a child process of its own (raw: `js.publish` awaiting each PubAck; ours: an app
// with roles ['producer'] calling enqueueWorkflow), the consumer here (raw: a durable pull consumer with
// `consume({ max_messages: concurrency })`, explicit acks; ours: the decorated handler); raw and ours alternate,
// medians are kept. Both use a file-stored work-queue stream. Sizes: QUEUE_BENCH_JOBS (default 5000),
// QUEUE_BENCH_ROUNDS (default 3).
import 'reflect-metadata';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  AckPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerMessages,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { HybridScheduler, HybridSchedulerModule, QueuedWorkflow } from 'nestjs-hybrid-scheduler';
import { startNats } from '../test/support/nats.js';
import { percentile, printTable } from './stats.js';

const JOBS = Number(process.env.QUEUE_BENCH_JOBS ?? 5000);
const ROUNDS = Number(process.env.QUEUE_BENCH_ROUNDS ?? 3);
const IN_FLIGHT = 100;
const CONCURRENCIES = [1, 10, 50] as const;
const RAW_STREAM = 'rawbench';
const now = () => performance.timeOrigin + performance.now();
const sink = { latencies: [] as number[], done: 0 };
const record = (payload: { t: number }) => {
  sink.latencies.push(now() - payload.t);
  sink.done++;
};

@Injectable()
class NatsBenchWorkflows {
  @QueuedWorkflow({ name: 'nats-1', provider: 'nats', concurrency: 1, attempts: 1 })
  one(payload: { t: number }) {
    record(payload);
  }
  @QueuedWorkflow({ name: 'nats-10', provider: 'nats', concurrency: 10, attempts: 1 })
  ten(payload: { t: number }) {
    record(payload);
  }
  @QueuedWorkflow({ name: 'nats-50', provider: 'nats', concurrency: 50, attempts: 1 })
  fifty(payload: { t: number }) {
    record(payload);
  }
}

async function bootOurs(url: string, roles: Array<'producer' | 'worker'>): Promise<INestApplicationContext> {
  @Module({
    imports: [
      HybridSchedulerModule.forRoot({
        fallback: 'fail',
        queue: { nats: { servers: url, stream: 'bench' }, roles },
      }),
    ],
    providers: [NatsBenchWorkflows],
  })
  class NatsBenchModule {}
  const app = await NestFactory.createApplicationContext(NatsBenchModule, { logger: ['error'] });
  await app.init();
  return app;
}

/** Sends `count` messages with at most IN_FLIGHT unacknowledged, as a busy producer would. */
async function produce(count: number, send: (payload: { t: number }) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) {
        next++;
        await send({ t: now() });
      }
    }),
  );
}

/** Child process: waits for "go", produces, reports "sent". */
async function producerChild(mode: string, concurrency: number, count: number, url: string): Promise<void> {
  let send: (payload: { t: number }) => Promise<unknown>;
  let close: () => Promise<unknown>;
  if (mode === 'raw') {
    const nc = await connect({ servers: url });
    const js = jetstream(nc);
    send = (payload) => js.publish(`${RAW_STREAM}.bench-${concurrency}`, JSON.stringify(payload));
    close = () => nc.drain();
  } else {
    const app = await bootOurs(url, ['producer']);
    const scheduler = app.get(HybridScheduler);
    send = (payload) => scheduler.enqueueWorkflow(`nats-${concurrency}`, payload);
    close = () => app.close();
  }
  process.send?.('ready');
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  await produce(count, send);
  await close();
  process.send?.('sent');
}

async function round(mode: 'raw' | 'ours', concurrency: number, url: string) {
  sink.latencies = [];
  sink.done = 0;
  const child = fork(fileURLToPath(import.meta.url), [], {
    env: { ...process.env, NATS_BENCH_CHILD: [mode, concurrency, JOBS, url].join(' ') },
    stdio: 'inherit',
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`producer exited with ${code} before it was ready`)));
  });
  const began = now();
  child.send('go');
  while (sink.done < JOBS) await new Promise((r) => setTimeout(r, 5));
  const seconds = (now() - began) / 1000;
  await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
  return {
    perSecond: JOBS / seconds,
    p50: percentile(sink.latencies, 50),
    p99: percentile(sink.latencies, 99),
  };
}

/** The raw side's consumer: a durable pull consumer, `concurrency` messages buffered, each acked after the handler. */
async function rawConsumer(nc: NatsConnection, concurrency: number): Promise<ConsumerMessages> {
  const jsm = await jetstreamManager(nc);
  const durable = `raw-${concurrency}`;
  await jsm.consumers.add(RAW_STREAM, {
    durable_name: durable,
    filter_subject: `${RAW_STREAM}.bench-${concurrency}`,
    ack_policy: AckPolicy.Explicit,
    max_ack_pending: 1000,
  });
  const consumer = await jetstream(nc).consumers.get(RAW_STREAM, durable);
  return consumer.consume({
    max_messages: concurrency,
    callback: (msg) => {
      record(msg.json<{ t: number }>());
      msg.ack();
    },
  });
}

export async function run(): Promise<void> {
  const nats = await startNats();
  const nc = await connect({ servers: nats.url });
  await (
    await jetstreamManager(nc)
  ).streams.add({
    name: RAW_STREAM,
    subjects: [`${RAW_STREAM}.>`],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
  });
  const app = await bootOurs(nats.url, ['worker']);
  try {
    const rows: Array<Array<string | number>> = [];
    for (const concurrency of CONCURRENCIES) {
      const messages = await rawConsumer(nc, concurrency);
      const rawRuns: Array<Awaited<ReturnType<typeof round>>> = [];
      const ourRuns: typeof rawRuns = [];
      for (let i = 0; i < ROUNDS; i++) {
        rawRuns.push(await round('raw', concurrency, nats.url));
        ourRuns.push(await round('ours', concurrency, nats.url));
      }
      await messages.close();
      const middle = (runs: typeof rawRuns) =>
        [...runs].sort((a, b) => a.perSecond - b.perSecond)[Math.floor(runs.length / 2)];
      const theirs = middle(rawRuns);
      const ours = middle(ourRuns);
      rows.push([
        concurrency,
        JOBS,
        theirs.perSecond,
        ours.perSecond,
        ours.perSecond / theirs.perSecond,
        theirs.p50,
        ours.p50,
        theirs.p99,
        ours.p99,
      ]);
    }
    console.log(
      `NATS JetStream: throughput (jobs/s) and enqueue→start latency (ms), ${JOBS} trivial jobs per run, median of ${ROUNDS} alternating rounds, same server, producer in its own process`,
    );
    printTable(
      ['conc', 'jobs', 'raw/s', 'ours/s', 'ratio', 'raw p50', 'ours p50', 'raw p99', 'ours p99'],
      rows,
    );
  } finally {
    await app.close();
    await nc.close();
    await nats.stop();
  }
}

if (process.env.NATS_BENCH_CHILD) {
  const [mode, concurrency, count, url] = process.env.NATS_BENCH_CHILD.split(' ');
  producerChild(mode, Number(concurrency), Number(count), url).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
