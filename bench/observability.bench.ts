// Cost of observability on the queue hot path: the same workflow with metrics (prom-client) and tracing (the
// OpenTelemetry SDK with a batch processor and an exporter that drops every span) on, vs both off, in the same
// run, the order of the four apps rotating each round; each app is compared with the off app of the same round
// and the median of those per-round ratios kept, for throughput and for this process's CPU time per job (what
// other processes' load on a shared machine disturbs least). Memory engine and BullMQ on a private Redis.
// Then the bare SDK: a loop making the same two spans per job (PRODUCER with inject, CONSUMER with extract, each
// run inside context.with) with no library, vs the same loop without spans: what tracing costs before any of ours.
// Sizes: OBS_BENCH_JOBS (default 5000 on BullMQ, 4x that on memory), OBS_BENCH_ROUNDS (default 5),
// OBS_BENCH_ENGINES (default memory,bullmq).
import 'reflect-metadata';
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { watchMachine } from './machine.js';
import { Registry } from 'prom-client';
import { HybridScheduler, type HybridSchedulerModuleOptions } from 'nestjs-hybrid-scheduler';
import { startRedis } from '../test/support/redis.js';
import { bootObserved, registerTracingSdk, throughput, type Throughput } from './observability-app.js';
import { printTable } from './stats.js';

const JOBS = Number(process.env.OBS_BENCH_JOBS ?? 5000);
const ROUNDS = Number(process.env.OBS_BENCH_ROUNDS ?? 5);
const middle = (r: number[]) => [...r].sort((x, y) => x - y)[Math.floor(r.length / 2)]!;
const DUE = new Date().toISOString();
const spread = (r: number[]) => `${Math.round(Math.min(...r))}–${Math.round(Math.max(...r))}`;

/**
 * One job's two spans as the library makes them, straight on the API (`withSpans` false: the same awaits only);
 * CPU µs per job.
 */
async function rawJobs(count: number, withSpans: boolean): Promise<number> {
  const tracer = trace.getTracer('raw-sdk');
  const cpu = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    if (!withSpans) {
      await Promise.resolve();
      await Promise.resolve();
      continue;
    }
    const send = tracer.startSpan('send observed', {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'memory',
        'messaging.destination.name': 'observed',
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'send',
      },
    });
    const sent = trace.setSpan(context.active(), send);
    const headers: Record<string, string> = {};
    propagation.inject(sent, headers);
    await context.with(sent, () => Promise.resolve());
    send.setAttribute('messaging.message.id', String(i));
    send.end();
    const parent = propagation.extract(ROOT_CONTEXT, headers);
    const consume = tracer.startSpan(
      'process observed',
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'memory',
          'messaging.destination.name': 'observed',
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'process',
          'hybrid_scheduler.attempt': 1,
          'messaging.message.id': String(i),
          'hybrid_scheduler.scheduled_at': DUE,
          'hybrid_scheduler.lateness_ms': 0,
        },
      },
      parent,
    );
    await context.with(trace.setSpan(parent, consume), () => Promise.resolve());
    consume.end();
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / count;
}

/** CPU µs per job the bare SDK adds: the loop with spans minus the loop without, median of alternating rounds. */
async function sdkCostPerJob(): Promise<{ median: number; runs: number[] }> {
  const count = 20_000;
  await rawJobs(count, true); // warm-up
  await rawJobs(count, false);
  const runs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const first = round % 2 === 0;
    const a = await rawJobs(count, first);
    const b = await rawJobs(count, !first);
    runs.push(first ? a - b : b - a);
  }
  return { median: middle(runs), runs };
}

export async function run(): Promise<void> {
  const provider = registerTracingSdk();
  const redis = await startRedis();
  const rows: Array<Array<string | number>> = [];
  const machine = watchMachine();
  let sdk: { median: number; runs: number[] } | undefined;
  try {
    const engines = (process.env.OBS_BENCH_ENGINES ?? 'memory,bullmq').split(',') as Array<
      'memory' | 'bullmq'
    >;
    for (const engine of engines) {
      const queue = (prefix: string): HybridSchedulerModuleOptions['queue'] =>
        engine === 'bullmq' ? { bullmq: { connection: redis.url, prefix } } : {};
      const off = await bootObserved({
        fallback: 'fail',
        queue: queue('obs-off'),
        tracing: { enabled: false },
      });
      const on = await bootObserved({
        fallback: 'fail',
        queue: queue('obs-on'),
        metrics: { registry: new Registry() },
        tracing: { enabled: true },
      });
      const metricsOnly = await bootObserved({
        fallback: 'fail',
        queue: queue('obs-metrics'),
        metrics: { registry: new Registry() },
        tracing: { enabled: false },
      });
      const tracingOnly = await bootObserved({
        fallback: 'fail',
        queue: queue('obs-tracing'),
        tracing: { enabled: true },
      });
      const apps = [off, on, metricsOnly, tracingOnly];
      const count = engine === 'memory' ? JOBS * 4 : JOBS;
      try {
        const runs: Throughput[][] = apps.map(() => []);
        for (const app of apps) await throughput(app.get(HybridScheduler), Math.min(count, 1000)); // warm-up
        for (let round = 0; round < ROUNDS; round++) {
          // Rotate who goes first, so drift in the machine's load does not always favour the same app.
          for (let k = 0; k < apps.length; k++) {
            const i = (round + k) % apps.length;
            runs[i]!.push(await throughput(apps[i]!.get(HybridScheduler), count));
          }
        }
        // Per round, each app against the off app of the same round (the load drifts between rounds): the
        // median of those ratios, not a ratio of medians.
        const off = runs[0]!;
        const rate = (i: number) => runs[i]!.map((x) => x.perSecond);
        const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
        const slower = (i: number) =>
          pct(middle(runs[i]!.map((x, r) => 1 - x.perSecond / off[r]!.perSecond)));
        const extraCpu = (i: number) => middle(runs[i]!.map((x, r) => x.cpuUsPerJob - off[r]!.cpuUsPerJob));
        const moreCpu = (i: number) =>
          pct(middle(runs[i]!.map((x, r) => x.cpuUsPerJob / off[r]!.cpuUsPerJob - 1)));
        rows.push([
          engine,
          count,
          `${Math.round(middle(rate(0)))} (${spread(rate(0))})`,
          `${Math.round(middle(rate(1)))} (${spread(rate(1))})`,
          slower(1),
          middle(off.map((x) => x.cpuUsPerJob)).toFixed(1),
          `${moreCpu(1)} (+${extraCpu(1).toFixed(1)} µs)`,
          moreCpu(2),
          `${moreCpu(3)} (+${extraCpu(3).toFixed(1)} µs)`,
        ]);
      } finally {
        for (const app of apps.reverse()) await app.close();
      }
    }
    sdk = await sdkCostPerJob();
  } finally {
    await provider.shutdown();
    await redis.stop();
  }
  printTable(
    [
      'engine',
      'jobs',
      'off jobs/s (spread)',
      'on jobs/s (spread)',
      'throughput overhead (target ≤ 5 %)',
      'off CPU µs/job',
      'on: more CPU',
      'metrics only: more CPU',
      'tracing only: more CPU',
    ],
    rows,
  );
  console.log(
    `bare OpenTelemetry SDK, the same two spans per job with no library: +${sdk.median.toFixed(2)} CPU µs/job ` +
      `(rounds ${sdk.runs.map((r) => r.toFixed(2)).join(', ')}); ` +
      `tracing only's extra CPU minus this is the library's own share`,
  );
  console.log(machine());
}
