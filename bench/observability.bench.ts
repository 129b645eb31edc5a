// Cost of observability on the queue hot path: the same workflow with metrics (prom-client) and tracing (the
// OpenTelemetry SDK with a batch processor and an exporter that drops every span) on, vs both off, in the same
// run, alternating rounds and keeping the median. Memory engine and BullMQ on a private Redis.
// Sizes: OBS_BENCH_JOBS (default 5000 on BullMQ, 4x that on memory), OBS_BENCH_ROUNDS (default 5).
import 'reflect-metadata';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import {
  HybridScheduler,
  HybridSchedulerModule,
  QueuedWorkflow,
  type HybridSchedulerModuleOptions,
} from 'nestjs-hybrid-scheduler';
import { startRedis } from '../test/support/redis.js';
import { printTable } from './stats.js';

const JOBS = Number(process.env.OBS_BENCH_JOBS ?? 5000);
const ROUNDS = Number(process.env.OBS_BENCH_ROUNDS ?? 5);
const IN_FLIGHT_ADDS = 100;
const sink = { done: 0 };

@Injectable()
class ObservedWorkflow {
  @QueuedWorkflow({ name: 'observed', concurrency: 10, attempts: 1 })
  observed() {
    sink.done++;
  }
}

/** An exporter that drops everything: the SDK's work is measured, not an exporter's I/O. */
const dropAll: SpanExporter = {
  export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }),
  shutdown: async () => undefined,
};

async function boot(options: HybridSchedulerModuleOptions): Promise<INestApplicationContext> {
  @Module({ imports: [HybridSchedulerModule.forRoot(options)], providers: [ObservedWorkflow] })
  class ObservedModule {}
  const app = await NestFactory.createApplicationContext(ObservedModule, { logger: ['error'] });
  await app.init();
  return app;
}

async function throughput(scheduler: HybridScheduler, count: number): Promise<number> {
  sink.done = 0;
  const began = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT_ADDS }, async () => {
      while (next < count) {
        next++;
        await scheduler.enqueueWorkflow('observed', {});
      }
    }),
  );
  while (sink.done < count) await new Promise((r) => setTimeout(r, 2));
  return count / ((performance.now() - began) / 1000);
}

export async function run(): Promise<void> {
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropAll)] });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const redis = await startRedis();
  const rows: Array<Array<string | number>> = [];
  try {
    const engines = (process.env.OBS_BENCH_ENGINES ?? 'memory,bullmq').split(',') as Array<
      'memory' | 'bullmq'
    >;
    for (const engine of engines) {
      const queue = (prefix: string): HybridSchedulerModuleOptions['queue'] =>
        engine === 'bullmq' ? { bullmq: { connection: redis.url, prefix } } : {};
      const off = await boot({ fallback: 'fail', queue: queue('obs-off'), tracing: { enabled: false } });
      const on = await boot({
        fallback: 'fail',
        queue: queue('obs-on'),
        metrics: { registry: new Registry() },
        tracing: { enabled: true },
      });
      const metricsOnly = await boot({
        fallback: 'fail',
        queue: queue('obs-metrics'),
        metrics: { registry: new Registry() },
        tracing: { enabled: false },
      });
      const tracingOnly = await boot({
        fallback: 'fail',
        queue: queue('obs-tracing'),
        tracing: { enabled: true },
      });
      const apps = [off, on, metricsOnly, tracingOnly];
      const count = engine === 'memory' ? JOBS * 4 : JOBS;
      try {
        const runs: number[][] = apps.map(() => []);
        for (const app of apps) await throughput(app.get(HybridScheduler), Math.min(count, 1000)); // warm-up
        for (let round = 0; round < ROUNDS; round++) {
          for (const [i, app] of apps.entries())
            runs[i].push(await throughput(app.get(HybridScheduler), count));
        }
        const middle = (r: number[]) => [...r].sort((x, y) => x - y)[Math.floor(r.length / 2)];
        const [a, b, m, t] = runs.map(middle);
        const pct = (x: number) => `${(((a - x) / a) * 100).toFixed(1)} %`;
        rows.push([engine, count, a, b, pct(b), pct(m), pct(t)]);
      } finally {
        for (const app of apps.reverse()) await app.close();
      }
    }
  } finally {
    await provider.shutdown();
    await redis.stop();
  }
  printTable(
    ['engine', 'jobs', 'off jobs/s', 'on jobs/s', 'overhead (target ≤ 5 %)', 'metrics only', 'tracing only'],
    rows,
  );
}
