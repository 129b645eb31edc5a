// Queue tier vs raw BullMQ on the same private Redis in the same run (`npm run bench -- queue`), raw and ours in
// alternating rounds (QUEUE_BENCH_ROUNDS, default 5), per-round figures, medians and the ratio's spread:
//  - throughput and enqueue→start latency at concurrency 1, 10 and 50 (QUEUE_BENCH_JOBS per round, default
//    5000), with producer and worker in ONE process (bullmq/one-process.ts) and in SEPARATE processes (a producer
//    child forked per round, bullmq/separate-process.ts);
//  - enqueue→start latency one job at a time, in both modes (QUEUE_BENCH_SERIAL_JOBS per round, default 200);
//  - enqueue bursts: BURST_JOBS (default 10000) concurrent enqueueWorkflow calls vs raw sequential and raw
//    Promise.all adds (bullmq/bursts.ts);
//  - RSS while QUEUE_BENCH_RSS_JOBS (default 20000; the figure is 100000) jobs complete, and the lateness
//    of a recurring workflow's ticks.
// QUEUE_BENCH_ONLY=one-process|separate|burst runs one part. Noise guard: a round pair whose raw figure is more
// than 30 % from the median raw figure is dropped (the machine, not the code, moved); the `kept` column says how
// many pairs the medians are over.
import { Redis } from 'ioredis';
import { HybridScheduler } from 'nestjs-hybrid-scheduler';
import type { INestApplicationContext } from '@nestjs/common';
import { startRedis } from '../test/support/redis.js';
import { produce, sink } from './rounds.js';
import { percentile, printTable } from './stats.js';
import { bursts } from './bullmq/bursts.js';
import { oneProcess } from './bullmq/one-process.js';
import { separateProcesses } from './bullmq/separate-process.js';
import { bootOurs, ticks } from './bullmq/workflows.js';
import { watchMachine } from './machine.js';

const sizes = {
  jobs: Number(process.env.QUEUE_BENCH_JOBS ?? 5000),
  rounds: Number(process.env.QUEUE_BENCH_ROUNDS ?? 5),
  serialJobs: Number(process.env.QUEUE_BENCH_SERIAL_JOBS ?? 200),
};
const RSS_JOBS = Number(process.env.QUEUE_BENCH_RSS_JOBS ?? 20_000);
const BURST_JOBS = Number(process.env.BURST_JOBS ?? 10_000);
const ONLY = process.env.QUEUE_BENCH_ONLY;
const part = (name: string) => !ONLY || ONLY === name;

/** RSS and heap while RSS_JOBS jobs complete on bench-50, by quarter. */
async function memory(app: INestApplicationContext): Promise<void> {
  const scheduler = app.get(HybridScheduler);
  const rows: Array<Array<string | number>> = [];
  sink.done = 0;
  let added = 0;
  for (const quarter of [1, 2, 3, 4]) {
    const target = Math.round((RSS_JOBS * quarter) / 4);
    await produce(target - added, (payload) => scheduler.enqueueWorkflow('bench-50', payload));
    added = target;
    while (sink.done < target) await new Promise((r) => setTimeout(r, 5));
    sink.latencies = [];
    global.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    rows.push([target, Math.round(rss / 1e6), Math.round(heapUsed / 1e6)]);
  }
  console.log(
    `\nMemory while ${RSS_JOBS} jobs complete (bench-50)${global.gc ? '' : ' (run node with --expose-gc for steadier numbers)'}`,
  );
  printTable(['completed', 'RSS MB', 'heap MB'], rows);
}

async function tickLateness(): Promise<void> {
  ticks.length = 0;
  await new Promise((r) => setTimeout(r, 6500));
  console.log(
    '\nLateness of a recurring workflow (every 1000ms, BullMQ job scheduler; Redis hz 10 by default)',
  );
  printTable(
    ['ticks', 'p50 ms', 'p99 ms', 'max ms'],
    [[ticks.length, percentile(ticks, 50), percentile(ticks, 99), Math.max(...ticks)]],
  );
}

export async function run(): Promise<void> {
  const redis = await startRedis();
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const machine = watchMachine();
  try {
    if (part('one-process')) {
      const app = await bootOurs(redis.url);
      try {
        await oneProcess(app, connection, sizes);
        if (!ONLY) {
          await memory(app);
          await tickLateness();
        }
      } finally {
        await app.close();
      }
    }
    if (part('separate')) {
      const worker = await bootOurs(redis.url, ['worker']);
      try {
        await separateProcesses(redis.url, connection, sizes);
      } finally {
        await worker.close();
      }
    }
    if (part('burst')) await bursts(redis.url, connection, BURST_JOBS, sizes.rounds);
  } finally {
    console.log(machine());
    connection.disconnect();
    await redis.stop();
  }
}
