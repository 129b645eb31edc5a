// Queue tier on RabbitMQ vs raw rabbitmq-client on the same private node in the same run (part of
// `npm run bench -- queue`): publish+consume throughput at concurrency 1, 10 and 50 and enqueue→start p50/p99.
// The producer runs in a child process of its own (raw: a confirming publisher; ours: an app with
// roles ['producer'] calling enqueueWorkflow), the consumer here; raw and ours alternate, medians are kept.
// Both sides use the same kind of queue (durable, `x-max-priority` 10 as the engine declares its work queues),
// persistent messages and publisher confirms. Sizes: QUEUE_BENCH_JOBS (default 5000), QUEUE_BENCH_ROUNDS
// (default 3).
import 'reflect-metadata';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Connection } from 'rabbitmq-client';
import { HybridScheduler, HybridSchedulerModule, QueuedWorkflow } from 'nestjs-hybrid-scheduler';
import { startRabbitMq } from '../test/support/rabbitmq.js';
import { percentile, printTable } from './stats.js';

const JOBS = Number(process.env.QUEUE_BENCH_JOBS ?? 5000);
const ROUNDS = Number(process.env.QUEUE_BENCH_ROUNDS ?? 3);
const IN_FLIGHT = 100;
const CONCURRENCIES = [1, 10, 50] as const;
const now = () => performance.timeOrigin + performance.now();
/** The work queue arguments the engine uses (priorities cost the broker; see docs/queue.md). */
const RAW_QUEUE = { durable: true, arguments: { 'x-max-priority': 10 } };
const sink = { latencies: [] as number[], done: 0 };
const record = (payload: { t: number }) => {
  sink.latencies.push(now() - payload.t);
  sink.done++;
};

@Injectable()
class RabbitBenchWorkflows {
  @QueuedWorkflow({ name: 'rmq-1', provider: 'rabbitmq', concurrency: 1, attempts: 1 })
  one(payload: { t: number }) {
    record(payload);
  }
  @QueuedWorkflow({ name: 'rmq-10', provider: 'rabbitmq', concurrency: 10, attempts: 1 })
  ten(payload: { t: number }) {
    record(payload);
  }
  @QueuedWorkflow({ name: 'rmq-50', provider: 'rabbitmq', concurrency: 50, attempts: 1 })
  fifty(payload: { t: number }) {
    record(payload);
  }
}

async function bootOurs(url: string, roles: Array<'producer' | 'worker'>): Promise<INestApplicationContext> {
  @Module({
    imports: [HybridSchedulerModule.forRoot({ fallback: 'fail', queue: { rabbitmq: { url }, roles } })],
    providers: [RabbitBenchWorkflows],
  })
  class RabbitBenchModule {}
  const app = await NestFactory.createApplicationContext(RabbitBenchModule, { logger: ['error'] });
  await app.init();
  return app;
}

/** Sends `count` messages with at most IN_FLIGHT unconfirmed, as a busy producer would. */
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
    const connection = new Connection(url);
    connection.on('error', () => undefined);
    const publisher = connection.createPublisher({ confirm: true });
    const queue = `raw.bench-${concurrency}`;
    await connection.queueDeclare({ queue, ...RAW_QUEUE });
    send = (payload) => publisher.send({ routingKey: queue, durable: true, priority: 10 }, payload);
    close = async () => {
      await publisher.close();
      await connection.close();
    };
  } else {
    const app = await bootOurs(url, ['producer']);
    const scheduler = app.get(HybridScheduler);
    send = (payload) => scheduler.enqueueWorkflow(`rmq-${concurrency}`, payload);
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
    env: { ...process.env, RMQ_BENCH_CHILD: [mode, concurrency, JOBS, url].join(' ') },
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

export async function run(): Promise<void> {
  const node = await startRabbitMq();
  const raw = new Connection(node.url);
  raw.on('error', () => undefined);
  const app = await bootOurs(node.url, ['worker']);
  try {
    const rows: Array<Array<string | number>> = [];
    for (const concurrency of CONCURRENCIES) {
      const queue = `raw.bench-${concurrency}`;
      await raw.queueDeclare({ queue, ...RAW_QUEUE });
      const consumer = raw.createConsumer(
        { queue, qos: { prefetchCount: concurrency }, concurrency, queueOptions: RAW_QUEUE },
        (msg) => record(msg.body as { t: number }),
      );
      const rawRuns: Array<Awaited<ReturnType<typeof round>>> = [];
      const ourRuns: typeof rawRuns = [];
      for (let i = 0; i < ROUNDS; i++) {
        rawRuns.push(await round('raw', concurrency, node.url));
        ourRuns.push(await round('ours', concurrency, node.url));
      }
      await consumer.close();
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
      `RabbitMQ: throughput (jobs/s) and enqueue→start latency (ms), ${JOBS} trivial jobs per run, median of ${ROUNDS} alternating rounds, same node, producer in its own process`,
    );
    printTable(
      ['conc', 'jobs', 'raw/s', 'ours/s', 'ratio', 'raw p50', 'ours p50', 'raw p99', 'ours p99'],
      rows,
    );
  } finally {
    await app.close();
    await raw.close();
    await node.stop();
  }
}

if (process.env.RMQ_BENCH_CHILD) {
  const [mode, concurrency, count, url] = process.env.RMQ_BENCH_CHILD.split(' ');
  producerChild(mode, Number(concurrency), Number(count), url).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
