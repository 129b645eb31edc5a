// Queue tier on NATS JetStream vs the raw @nats-io/jetstream client on the same private nats-server in the same run
// (part of `npm run bench -- queue`): publish+consume throughput at concurrency 1, 10 and 50 and enqueue→start
// p50/p99. The producer runs in a child process of its own (raw: `js.publish` awaiting each PubAck; ours: an app
// with roles ['producer'] calling enqueueWorkflow), the consumer here (raw: a durable pull consumer with
// `consume({ max_messages: concurrency })`, explicit acks; ours: the decorated handler); raw and ours alternate,
// medians are kept. Both use a file-stored work-queue stream. Sizes: QUEUE_BENCH_JOBS (default 5000),
// QUEUE_BENCH_ROUNDS (default 5).
// Every round's figures are printed; the table holds medians over the round pairs the noise guard of
// bench/rounds.ts kept, and the spread of the per-round ratios.
import 'reflect-metadata';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
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
import {
  alternate,
  NOISE_GUARD_TEXT,
  producerChild,
  printRounds,
  producerRound,
  record,
  SUMMARY_HEADERS,
  summaryRow,
  type Producer,
  type TimedPayload,
} from './rounds.js';
import { printTable } from './stats.js';

const JOBS = Number(process.env.QUEUE_BENCH_JOBS ?? 5000);
const ROUNDS = Number(process.env.QUEUE_BENCH_ROUNDS ?? 5);
/** QUEUE_BENCH_CONCURRENCY=10 (or "1,50") measures only those; the workflows exist for 1, 10 and 50. */
const CONCURRENCIES = (process.env.QUEUE_BENCH_CONCURRENCY ?? '1,10,50').split(',').map(Number);
const RAW_STREAM = 'rawbench';
const CHILD_ENV = 'NATS_BENCH_CHILD';

@Injectable()
class NatsBenchWorkflows {
  @QueuedWorkflow({ name: 'nats-1', provider: 'nats', concurrency: 1, attempts: 1 })
  one(payload: TimedPayload) {
    record(payload);
  }
  @QueuedWorkflow({ name: 'nats-10', provider: 'nats', concurrency: 10, attempts: 1 })
  ten(payload: TimedPayload) {
    record(payload);
  }
  @QueuedWorkflow({ name: 'nats-50', provider: 'nats', concurrency: 50, attempts: 1 })
  fifty(payload: TimedPayload) {
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

/** The child process's producer: raw `js.publish` or ours `enqueueWorkflow` in a producer-only app. */
async function buildProducer([mode, concurrency, , url]: string[]): Promise<Producer> {
  if (mode === 'raw') {
    const nc = await connect({ servers: url });
    const js = jetstream(nc);
    return {
      send: (payload) => js.publish(`${RAW_STREAM}.bench-${concurrency}`, JSON.stringify(payload)),
      close: () => nc.drain(),
    };
  }
  const app = await bootOurs(url, ['producer']);
  const scheduler = app.get(HybridScheduler);
  return {
    send: (payload) => scheduler.enqueueWorkflow(`nats-${concurrency}`, payload),
    close: () => app.close(),
  };
}

const round = (mode: 'raw' | 'ours', concurrency: number, url: string) =>
  producerRound(import.meta.url, CHILD_ENV, [mode, concurrency, JOBS, url], JOBS);

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
      record(msg.json<TimedPayload>());
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
      const runs = await alternate(
        ROUNDS,
        () => round('raw', concurrency, nats.url),
        () => round('ours', concurrency, nats.url),
      );
      await messages.close();
      printRounds(concurrency, runs);
      rows.push(summaryRow(concurrency, JOBS, runs));
    }
    console.log(
      `NATS JetStream: throughput (jobs/s) and enqueue→start latency (ms), ${JOBS} trivial jobs per run, medians of ${ROUNDS} alternating rounds, same server, producer and consumer in separate processes; ${NOISE_GUARD_TEXT}`,
    );
    printTable(SUMMARY_HEADERS, rows);
  } finally {
    await app.close();
    await nc.close();
    await nats.stop();
  }
}

producerChild(CHILD_ENV, buildProducer);
