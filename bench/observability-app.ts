// What the observability bench and its profile share: the observed workflow, the app around it, the tracing SDK
// as an app would register it (with an exporter that drops every span), and the throughput loop.
import 'reflect-metadata';
import { Injectable, Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  HybridSchedulerModule,
  QueuedWorkflow,
  type HybridScheduler,
  type HybridSchedulerModuleOptions,
} from 'nestjs-hybrid-scheduler';

/** Enqueues kept in flight at once by `throughput`. */
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

/** The OpenTelemetry SDK as an app registers it: provider, batch processor, async-hooks context, W3C propagator. */
export function registerTracingSdk(): BasicTracerProvider {
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropAll)] });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  return provider;
}

/** An app whose only task is the `observed` workflow (an empty handler, concurrency 10, one attempt). */
export async function bootObserved(options: HybridSchedulerModuleOptions): Promise<INestApplicationContext> {
  @Module({ imports: [HybridSchedulerModule.forRoot(options)], providers: [ObservedWorkflow] })
  class ObservedModule {}
  const app = await NestFactory.createApplicationContext(ObservedModule, { logger: ['error'] });
  await app.init();
  return app;
}

/** One measurement: wall-clock throughput, and this process's CPU time (user + system) per job. */
export interface Throughput {
  perSecond: number;
  cpuUsPerJob: number;
}

/**
 * Enqueues `count` jobs (100 enqueues in flight) and waits until all ran. CPU time per job is what the load of
 * other processes on a shared machine disturbs least (wall-clock throughput varies with their load).
 */
export async function throughput(scheduler: HybridScheduler, count: number): Promise<Throughput> {
  sink.done = 0;
  const cpu = process.cpuUsage();
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
  const seconds = (performance.now() - began) / 1000;
  const used = process.cpuUsage(cpu);
  return { perSecond: count / seconds, cpuUsPerJob: (used.user + used.system) / count };
}
