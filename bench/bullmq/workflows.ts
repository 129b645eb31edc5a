// What both sides of the BullMQ bench run: the decorated no-op workflows (ours), the raw Worker and Queue.add
// with the same options, and the hook the one-job-at-a-time rows wait on.
import 'reflect-metadata';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { HybridSchedulerModule, QueuedWorkflow, type WorkflowContext } from 'nestjs-hybrid-scheduler';
import { record, type TimedPayload } from '../rounds.js';

export const PREFIX = 'hybrid';
export const CONCURRENCIES = [1, 10, 50] as const;
/** What raw BullMQ users pass and what the queue tier passes for a workflow with `attempts: 1`. */
const RAW_JOB_OPTIONS = { attempts: 1, removeOnFail: false };
const RAW_KEEP_COMPLETED = { age: 3600, count: 1000 };

/** Called after each recorded start; the one-job-at-a-time rows send the next job from it. */
export const started: { wake?: () => void } = {};
const consume = (payload: TimedPayload) => {
  record(payload);
  started.wake?.();
};

/** Lateness of the recurring workflow's ticks (ms after the due time). */
export const ticks: number[] = [];

@Injectable()
export class BenchWorkflows {
  @QueuedWorkflow({ name: 'bench-1', concurrency: 1, attempts: 1 })
  one(payload: TimedPayload) {
    consume(payload);
  }
  @QueuedWorkflow({ name: 'bench-10', concurrency: 10, attempts: 1 })
  ten(payload: TimedPayload) {
    consume(payload);
  }
  @QueuedWorkflow({ name: 'bench-50', concurrency: 50, attempts: 1 })
  fifty(payload: TimedPayload) {
    consume(payload);
  }
  @QueuedWorkflow({ name: 'bench-tick', every: 1000 })
  tick(_payload: unknown, ctx: WorkflowContext) {
    ticks.push(Date.now() - ctx.scheduledAt.getTime());
  }
}

export type Roles = Array<'producer' | 'worker'>;

/** Our app on the private Redis: both roles (one process), or only the producer or the worker side. */
export async function bootOurs(
  url: string,
  roles: Roles = ['producer', 'worker'],
): Promise<INestApplicationContext> {
  @Module({
    imports: [
      HybridSchedulerModule.forRoot({ fallback: 'fail', queue: { bullmq: { connection: url }, roles } }),
    ],
    providers: [BenchWorkflows],
  })
  class BenchModule {}
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
  await app.init();
  return app;
}

export const rawName = (concurrency: number) => `raw-${concurrency}`;
export const ourName = (concurrency: number) => `bench-${concurrency}`;

/** A raw BullMQ Worker consuming `raw-<concurrency>` on a connection of its own (started and ready). */
export async function rawWorker(
  connection: Redis,
  concurrency: number,
): Promise<{ close: () => Promise<void> }> {
  const own = connection.duplicate({ maxRetriesPerRequest: null });
  const worker = new Worker(rawName(concurrency), async (job: Job<TimedPayload>) => consume(job.data), {
    connection: own,
    prefix: PREFIX,
    concurrency,
    autorun: false,
    removeOnComplete: RAW_KEEP_COMPLETED,
  });
  void worker.run();
  await worker.waitUntilReady();
  return {
    close: async () => {
      await worker.close();
      own.disconnect();
    },
  };
}

/** The raw producer: `queue.add` on `raw-<concurrency>`. */
export function rawQueue(connection: Redis, concurrency: number) {
  const queue = new Queue(rawName(concurrency), { connection, prefix: PREFIX });
  return {
    queue,
    add: (payload: TimedPayload) => queue.add(rawName(concurrency), payload, RAW_JOB_OPTIONS),
  };
}
