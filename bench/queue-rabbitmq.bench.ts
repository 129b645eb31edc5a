// Queue tier on RabbitMQ vs raw rabbitmq-client on the same private node in the same run (part of
// `npm run bench -- queue`): publish+consume throughput at concurrency 1, 10 and 50 and enqueue→start p50/p99.
// The producer runs in a child process of its own (raw: a confirming publisher; ours: an app with
// roles ['producer'] calling enqueueWorkflow), the consumer here; raw and ours alternate, medians are kept.
// Both sides use the same kind of queue (durable, `x-max-priority` 10 as the engine declares its work queues),
// persistent messages and publisher confirms. Sizes: QUEUE_BENCH_JOBS (default 5000), QUEUE_BENCH_ROUNDS
// (default 5). Every round's figures are printed; the table holds medians over the round pairs the noise guard
// of bench/rounds.ts kept, and the spread of the per-round ratios.
import 'reflect-metadata';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Connection } from 'rabbitmq-client';
import { HybridScheduler, HybridSchedulerModule, QueuedWorkflow } from 'nestjs-hybrid-scheduler';
import { startRabbitMq } from '../test/support/rabbitmq.js';
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
const CHILD_ENV = 'RMQ_BENCH_CHILD';
/** The work queue arguments the engine uses (priorities cost the broker; see docs/queue.md). */
const RAW_QUEUE = { durable: true, arguments: { 'x-max-priority': 10 } };

@Injectable()
class RabbitBenchWorkflows {
  @QueuedWorkflow({ name: 'rmq-1', provider: 'rabbitmq', concurrency: 1, attempts: 1 })
  one(payload: TimedPayload) {
    record(payload);
  }
  @QueuedWorkflow({ name: 'rmq-10', provider: 'rabbitmq', concurrency: 10, attempts: 1 })
  ten(payload: TimedPayload) {
    record(payload);
  }
  @QueuedWorkflow({ name: 'rmq-50', provider: 'rabbitmq', concurrency: 50, attempts: 1 })
  fifty(payload: TimedPayload) {
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

/** The child process's producer: a raw confirming publisher or ours `enqueueWorkflow` in a producer-only app. */
async function buildProducer([mode, concurrency, , url]: string[]): Promise<Producer> {
  if (mode === 'raw') {
    const connection = new Connection(url);
    connection.on('error', () => undefined);
    const publisher = connection.createPublisher({ confirm: true });
    const queue = `raw.bench-${concurrency}`;
    await connection.queueDeclare({ queue, ...RAW_QUEUE });
    return {
      send: (payload) => publisher.send({ routingKey: queue, durable: true, priority: 10 }, payload),
      close: async () => {
        await publisher.close();
        await connection.close();
      },
    };
  }
  const app = await bootOurs(url, ['producer']);
  const scheduler = app.get(HybridScheduler);
  return {
    send: (payload) => scheduler.enqueueWorkflow(`rmq-${concurrency}`, payload),
    close: () => app.close(),
  };
}

const round = (mode: 'raw' | 'ours', concurrency: number, url: string) =>
  producerRound(import.meta.url, CHILD_ENV, [mode, concurrency, JOBS, url], JOBS);

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
        (msg) => record(msg.body as TimedPayload),
      );
      const runs = await alternate(
        ROUNDS,
        () => round('raw', concurrency, node.url),
        () => round('ours', concurrency, node.url),
      );
      await consumer.close();
      printRounds(concurrency, runs);
      rows.push(summaryRow(concurrency, JOBS, runs));
    }
    console.log(
      `RabbitMQ: throughput (jobs/s) and enqueue→start latency (ms), ${JOBS} trivial jobs per run, medians of ${ROUNDS} alternating rounds, same node, producer and consumer in separate processes; ${NOISE_GUARD_TEXT}`,
    );
    printTable(SUMMARY_HEADERS, rows);
  } finally {
    await app.close();
    await raw.close();
    await node.stop();
  }
}

producerChild(CHILD_ENV, buildProducer);
