// Enqueue bursts: BURST_JOBS concurrent enqueueWorkflow calls in a producer-only app vs raw sequential
// `await queue.add` and raw `Promise.all(queue.add)`, in the same round.
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { HybridScheduler, HybridSchedulerModule, QueuedWorkflow } from 'nestjs-hybrid-scheduler';
import { guardPairs, now } from '../rounds.js';
import { median, printTable } from '../stats.js';
import { PREFIX } from './workflows.js';

@Injectable()
class BurstWorkflows {
  @QueuedWorkflow({ name: 'bench-burst', attempts: 1 })
  burst(_payload: { n: number }) {}
}

export async function bursts(url: string, connection: Redis, jobs: number, rounds: number): Promise<void> {
  @Module({
    imports: [
      HybridSchedulerModule.forRoot({
        fallback: 'fail',
        queue: { bullmq: { connection: url }, roles: ['producer'] },
      }),
    ],
    providers: [BurstWorkflows],
  })
  class BurstModule {}
  const app = await NestFactory.createApplicationContext(BurstModule, { logger: ['error'] });
  await app.init();
  const scheduler = app.get(HybridScheduler);
  const rawQueue = new Queue('raw-burst', { connection, prefix: PREFIX });
  const ourQueue = new Queue('bench-burst', { connection, prefix: PREFIX });
  const timed = async (go: () => Promise<unknown>) => {
    const began = now();
    await go();
    return jobs / ((now() - began) / 1000);
  };
  const items = Array.from({ length: jobs }, (_, n) => ({ n }));
  const figures: Array<{ sequential: number; all: number; ours: number }> = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const sequential = await timed(async () => {
        for (const item of items) await rawQueue.add('raw-burst', item, { attempts: 1 });
      });
      await rawQueue.obliterate({ force: true });
      const ours = await timed(() =>
        Promise.all(items.map((item) => scheduler.enqueueWorkflow('bench-burst', item))),
      );
      await ourQueue.obliterate({ force: true });
      const all = await timed(() =>
        Promise.all(items.map((item) => rawQueue.add('raw-burst', item, { attempts: 1 }))),
      );
      await rawQueue.obliterate({ force: true });
      figures.push({ sequential, all, ours });
      console.log(
        `burst round ${round + 1}: raw sequential ${sequential.toFixed(0)}, raw Promise.all ${all.toFixed(0)}, ours ${ours.toFixed(0)} jobs/s`,
      );
    }
  } finally {
    await rawQueue.close();
    await ourQueue.close();
    await app.close();
  }
  const row = (baseline: string, raw: (f: (typeof figures)[number]) => number) => {
    const guard = guardPairs(figures, raw, (f) => f.ours);
    return [
      baseline,
      median(guard.kept.map(raw)),
      median(guard.kept.map((f) => f.ours)),
      guard.ratio,
      guard.spread,
      guard.keptText,
    ];
  };
  console.log(
    `\nEnqueue burst: ${jobs} concurrent calls, jobs/s, medians of ${rounds} rounds (same noise guard)`,
  );
  printTable(
    ['baseline', 'raw/s', 'ours/s', 'ours/raw', 'spread', 'kept'],
    [
      row('raw sequential await queue.add', (f) => f.sequential),
      row('raw Promise.all(queue.add)', (f) => f.all),
    ],
  );
}
