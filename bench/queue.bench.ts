// Queue tier vs raw BullMQ on the same private Redis in the same run: throughput and enqueue→start latency at
// concurrency 1, 10 and 50; RSS while many jobs complete; lateness of a recurring workflow's ticks.
// One job at a time: enqueue→start latency, QUEUE_BENCH_SERIAL_JOBS (default 200) per round, concurrency 1.
// Enqueue bursts: BURST_JOBS (default 10000) concurrent enqueueWorkflow calls in a producer-only app vs raw
// sequential `await queue.add` and raw `Promise.all(queue.add)`.
// Sizes: QUEUE_BENCH_JOBS (default 5000 per run; the figure is 20000), QUEUE_BENCH_RSS_JOBS (default
// 20000; the figure is 100000), QUEUE_BENCH_ROUNDS (default 5 alternating rounds).
// Noise guard: a round pair whose raw figure is more than 30 % from the median raw figure is discarded (the
// machine, not the code, moved); the medians and spreads are over the kept pairs, and the table says how many.
import 'reflect-metadata';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import {
  HybridScheduler,
  HybridSchedulerModule,
  QueuedWorkflow,
  type WorkflowContext,
} from 'nestjs-hybrid-scheduler';
import { startRedis } from '../test/support/redis.js';
import { median, percentile, printTable } from './stats.js';

const JOBS = Number(process.env.QUEUE_BENCH_JOBS ?? 5000);
const RSS_JOBS = Number(process.env.QUEUE_BENCH_RSS_JOBS ?? 20_000);
const ROUNDS = Number(process.env.QUEUE_BENCH_ROUNDS ?? 5);
const BURST_JOBS = Number(process.env.BURST_JOBS ?? 10_000);
/** A round pair whose raw figure is further than this from the median raw figure is discarded. */
const NOISE_GUARD = 0.3;
const IN_FLIGHT_ADDS = 100;
const now = () => performance.timeOrigin + performance.now();

/** Where handlers report: enqueue→start latencies and a completion counter per workflow. */
const sink = {
  latencies: [] as number[],
  done: 0,
  ticks: [] as number[],
  /** Called after each completion (the one-at-a-time rows wait on it). */
  wake: undefined as (() => void) | undefined,
};
const SERIAL_JOBS = Number(process.env.QUEUE_BENCH_SERIAL_JOBS ?? 200);

@Injectable()
class BenchWorkflows {
  @QueuedWorkflow({ name: 'bench-1', concurrency: 1, attempts: 1 })
  one(payload: { t: number }) {
    sink.latencies.push(now() - payload.t);
    sink.done++;
    sink.wake?.();
  }
  @QueuedWorkflow({ name: 'bench-10', concurrency: 10, attempts: 1 })
  ten(payload: { t: number }) {
    sink.latencies.push(now() - payload.t);
    sink.done++;
    sink.wake?.();
  }
  @QueuedWorkflow({ name: 'bench-50', concurrency: 50, attempts: 1 })
  fifty(payload: { t: number }) {
    sink.latencies.push(now() - payload.t);
    sink.done++;
    sink.wake?.();
  }
  @QueuedWorkflow({ name: 'bench-tick', every: 1000 })
  tick(_payload: unknown, ctx: WorkflowContext) {
    sink.ticks.push(Date.now() - ctx.scheduledAt.getTime());
  }
}

@Injectable()
class BurstWorkflows {
  @QueuedWorkflow({ name: 'bench-burst', attempts: 1 })
  burst(_payload: { n: number }) {}
}

/** Keeps the round pairs whose raw figure is within NOISE_GUARD of the median raw figure. */
function guarded<T>(pairs: Array<{ raw: number; ours: number; extra: T }>) {
  const middle = median(pairs.map((p) => p.raw));
  const kept = pairs.filter((p) => Math.abs(p.raw - middle) <= NOISE_GUARD * middle);
  const ratios = kept.map((p) => p.ours / p.raw);
  return {
    kept,
    dropped: pairs.length - kept.length,
    ratio: median(ratios),
    spread: `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
  };
}

/** Adds `count` jobs with at most IN_FLIGHT_ADDS pending adds, as a busy producer would. */
async function produce(count: number, add: (payload: { t: number }) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT_ADDS }, async () => {
      while (next < count) {
        next++;
        await add({ t: now() });
      }
    }),
  );
}

async function measure(
  count: number,
  start: () => Promise<void>,
  add: (p: { t: number }) => Promise<unknown>,
  serial = false,
) {
  sink.latencies = [];
  sink.done = 0;
  await start();
  const began = now();
  if (serial) {
    // One job at a time: the next is enqueued once the previous one has started and finished.
    for (let i = 0; i < count; i++) {
      const started = new Promise<void>((resolve) => (sink.wake = resolve));
      await add({ t: now() });
      await started;
    }
    sink.wake = undefined;
  } else await produce(count, add);
  while (sink.done < count) await new Promise((r) => setTimeout(r, 5));
  const seconds = (now() - began) / 1000;
  return {
    perSecond: count / seconds,
    p50: percentile(sink.latencies, 50),
    p99: percentile(sink.latencies, 99),
  };
}

async function raw(connection: Redis, concurrency: number, count: number, serial = false) {
  const name = `raw-${concurrency}`;
  const queue = new Queue(name, { connection, prefix: 'hybrid' });
  const worker = new Worker(
    name,
    async (job: Job<{ t: number }>) => {
      sink.latencies.push(now() - job.data.t);
      sink.done++;
      sink.wake?.();
    },
    {
      connection: connection.duplicate({ maxRetriesPerRequest: null }),
      prefix: 'hybrid',
      concurrency,
      autorun: false,
      removeOnComplete: { age: 3600, count: 1000 },
    },
  );
  const result = await measure(
    count,
    async () => void worker.run(),
    (payload) => queue.add(name, payload, { attempts: 1, removeOnFail: false }),
    serial,
  );
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return result;
}

async function bootOurs(url: string): Promise<INestApplicationContext> {
  @Module({
    imports: [HybridSchedulerModule.forRoot({ fallback: 'fail', queue: { bullmq: { connection: url } } })],
    providers: [BenchWorkflows],
  })
  class BenchModule {}
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
  await app.init();
  return app;
}

/** Burst rows: BURST_JOBS concurrent enqueueWorkflow calls (producer-only app) vs raw sequential and raw Promise.all. */
async function bursts(url: string, connection: Redis): Promise<void> {
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
  const rawQueue = new Queue('raw-burst', { connection, prefix: 'hybrid' });
  const ourQueue = new Queue('bench-burst', { connection, prefix: 'hybrid' });
  const timed = async (go: () => Promise<unknown>) => {
    const began = now();
    await go();
    return BURST_JOBS / ((now() - began) / 1000);
  };
  const items = Array.from({ length: BURST_JOBS }, (_, n) => ({ n }));
  const rounds: Array<{ sequential: number; all: number; ours: number }> = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
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
      rounds.push({ sequential, all, ours });
      console.log(
        `burst round ${round + 1}: raw sequential ${sequential.toFixed(0)}, raw Promise.all ${all.toFixed(0)}, ours ${ours.toFixed(0)} jobs/s`,
      );
    }
  } finally {
    await rawQueue.close();
    await ourQueue.close();
    await app.close();
  }
  const vsSequential = guarded(rounds.map((r) => ({ raw: r.sequential, ours: r.ours, extra: r })));
  const vsAll = guarded(rounds.map((r) => ({ raw: r.all, ours: r.ours, extra: r })));
  console.log(
    `\nEnqueue burst: ${BURST_JOBS} concurrent calls, jobs/s, medians of ${ROUNDS} rounds (same noise guard)`,
  );
  printTable(
    ['baseline', 'raw/s', 'ours/s', 'ours/raw', 'spread', 'kept'],
    [
      [
        'raw sequential await queue.add',
        median(vsSequential.kept.map((p) => p.raw)),
        median(vsSequential.kept.map((p) => p.ours)),
        vsSequential.ratio,
        vsSequential.spread,
        `${vsSequential.kept.length}/${rounds.length}`,
      ],
      [
        'raw Promise.all(queue.add)',
        median(vsAll.kept.map((p) => p.raw)),
        median(vsAll.kept.map((p) => p.ours)),
        vsAll.ratio,
        vsAll.spread,
        `${vsAll.kept.length}/${rounds.length}`,
      ],
    ],
  );
}

export async function run(): Promise<void> {
  const redis = await startRedis();
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  // QUEUE_BENCH_ONLY=burst: only the enqueue-burst rows.
  if (process.env.QUEUE_BENCH_ONLY === 'burst') {
    try {
      return await bursts(redis.url, connection);
    } finally {
      connection.disconnect();
      await redis.stop();
    }
  }
  const app = await bootOurs(redis.url);
  const scheduler = app.get(HybridScheduler);
  try {
    const rows: Array<Array<string | number>> = [];
    for (const concurrency of [1, 10, 50]) {
      // Alternate raw and ours three times and keep the median of each, so that warm-up and noise from the
      // machine do not decide the ratio.
      const rawRuns: Array<Awaited<ReturnType<typeof raw>>> = [];
      const ourRuns: typeof rawRuns = [];
      for (let round = 0; round < ROUNDS; round++) {
        rawRuns.push(await raw(connection, concurrency, JOBS));
        ourRuns.push(
          await measure(
            JOBS,
            async () => undefined,
            (payload) => scheduler.enqueueWorkflow(`bench-${concurrency}`, payload),
          ),
        );
      }
      const pairs = rawRuns.map((r, i) => ({ raw: r.perSecond, ours: ourRuns[i].perSecond, extra: i }));
      console.log(
        `conc ${concurrency} rounds (raw → ours jobs/s): ` +
          pairs.map((p) => `${p.raw.toFixed(0)} → ${p.ours.toFixed(0)}`).join(', '),
      );
      const guard = guarded(pairs);
      const keptRaw = guard.kept.map((p) => rawRuns[p.extra]);
      const keptOurs = guard.kept.map((p) => ourRuns[p.extra]);
      const med = (runs: typeof rawRuns, pick: (r: (typeof rawRuns)[number]) => number) =>
        median(runs.map(pick));
      rows.push([
        concurrency,
        JOBS,
        med(keptRaw, (r) => r.perSecond),
        med(keptOurs, (r) => r.perSecond),
        guard.ratio,
        guard.spread,
        `${guard.kept.length}/${pairs.length}`,
        med(keptRaw, (r) => r.p50),
        med(keptOurs, (r) => r.p50),
        med(keptRaw, (r) => r.p99),
        med(keptOurs, (r) => r.p99),
        med(keptOurs, (r) => r.p99) - med(keptRaw, (r) => r.p99),
      ]);
    }
    console.log(
      `Throughput (jobs/s) and enqueue→start latency (ms), ${JOBS} trivial jobs per run, medians of ${ROUNDS} alternating rounds, same Redis, producer and worker in one process; noise guard: round pairs whose raw figure is > ${NOISE_GUARD * 100} % from the median raw are dropped (kept column)`,
    );
    printTable(
      [
        'conc',
        'jobs',
        'raw/s',
        'ours/s',
        'ratio',
        'ratio spread',
        'kept',
        'raw p50',
        'ours p50',
        'raw p99',
        'ours p99',
        'Δp99',
      ],
      rows,
    );

    const serialRows: Array<Array<string | number>> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const theirs = await raw(connection, 1, SERIAL_JOBS, true);
      const ours = await measure(
        SERIAL_JOBS,
        async () => undefined,
        (payload) => scheduler.enqueueWorkflow('bench-1', payload),
        true,
      );
      serialRows.push([round + 1, theirs.p50, ours.p50, theirs.p99, ours.p99, ours.p99 - theirs.p99]);
    }
    console.log(
      `\nEnqueue→start latency one job at a time (ms), ${SERIAL_JOBS} jobs per round, concurrency 1, alternating rounds`,
    );
    const column = (i: number) => median(serialRows.map((row) => row[i] as number));
    printTable(
      ['round', 'raw p50', 'ours p50', 'raw p99', 'ours p99', 'Δp99'],
      [...serialRows, ['median', column(1), column(2), column(3), column(4), column(5)]],
    );

    await bursts(redis.url, connection);

    const rss: Array<Array<string | number>> = [];
    sink.done = 0;
    sink.latencies = [];
    let added = 0;
    for (const quarter of [1, 2, 3, 4]) {
      const target = Math.round((RSS_JOBS * quarter) / 4);
      await produce(target - added, (payload) => scheduler.enqueueWorkflow('bench-50', payload));
      added = target;
      while (sink.done < target) await new Promise((r) => setTimeout(r, 5));
      sink.latencies = [];
      global.gc?.();
      rss.push([
        target,
        Math.round(process.memoryUsage().rss / 1e6),
        Math.round(process.memoryUsage().heapUsed / 1e6),
      ]);
    }
    console.log(
      `\nMemory while ${RSS_JOBS} jobs complete (bench-50)${global.gc ? '' : ' (run node with --expose-gc for steadier numbers)'}`,
    );
    printTable(['completed', 'RSS MB', 'heap MB'], rss);

    sink.ticks = [];
    await new Promise((r) => setTimeout(r, 6500));
    console.log(
      '\nLateness of a recurring workflow (every 1000ms, BullMQ job scheduler; Redis hz 10 by default)',
    );
    printTable(
      ['ticks', 'p50 ms', 'p99 ms', 'max ms'],
      [[sink.ticks.length, percentile(sink.ticks, 50), percentile(sink.ticks, 99), Math.max(...sink.ticks)]],
    );
  } finally {
    await app.close();
    connection.disconnect();
    await redis.stop();
  }
}
