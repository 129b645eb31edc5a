import { Injectable, Module, type Type } from '@nestjs/common';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  HybridSchedulerModule,
  InternalTask,
  QueuedWorkflow,
  type HybridSchedulerModuleOptions,
} from 'nestjs-hybrid-scheduler';
import { bootApp, waitFor, type BootedApp } from '../../support/nest-app.js';
import { registerSdk, type SpanView } from '../../support/otel-sdk.js';
import { startRedis, type PrivateRedis } from '../../support/redis.js';

@Injectable()
class TracedWork {
  ticks = 0;

  @QueuedWorkflow({ name: 'traced' })
  traced() {
    // A span the handler makes is a child of the run's span.
    trace.getTracer('handler').startSpan('handler work').end();
  }

  @QueuedWorkflow({ name: 'fails', attempts: 2, backoff: { type: 'fixed', delayMs: 20 } })
  fails() {
    throw new Error('the downstream said no');
  }

  @InternalTask({ name: 'tick', every: 100 })
  tick() {
    this.ticks++;
  }

  /** Runs longer than its period: the ticks due meanwhile are skipped (overlap: skip). */
  @InternalTask({ name: 'slow-tick', every: 100 })
  async slowTick() {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function tracedModule(options: HybridSchedulerModuleOptions, providers: Type<unknown>[] = [TracedWork]) {
  @Module({ imports: [HybridSchedulerModule.forRoot(options)], providers })
  class TracedModule {}
  return TracedModule;
}

/** Enqueues inside an active span, as a request handler of an instrumented app would. */
const enqueueInSpan = (booted: BootedApp, workflow: string) =>
  trace.getTracer('test').startActiveSpan('POST /orders', async (span) => {
    try {
      return await booted.scheduler.enqueueWorkflow(workflow, {});
    } finally {
      span.end();
    }
  });

describe('traces with the OpenTelemetry SDK, in one process (memory engine)', () => {
  let sdk: ReturnType<typeof registerSdk>;
  let booted: BootedApp;

  beforeAll(async () => {
    sdk = registerSdk();
    booted = await bootApp(tracedModule({ fallback: 'fail' }));
  });
  afterAll(async () => {
    await booted?.close();
    await sdk?.shutdown();
  });

  const named = (name: string) => sdk.spans().filter((s) => s.name === name);

  it('an enqueue is a PRODUCER span `send <workflow>` and its run a CONSUMER span `process <workflow>` in the same trace', async () => {
    const result = await enqueueInSpan(booted, 'traced');
    await waitFor(() => named('process traced').length === 1, 5000, 'the consumer span');
    const [request] = named('POST /orders');
    const [send] = named('send traced');
    const [process] = named('process traced');
    const jobKey = result.id.split(':').pop();
    expect(send).toMatchObject({
      kind: SpanKind.PRODUCER,
      traceId: request.traceId,
      parentSpanId: request.spanId,
      attributes: {
        'messaging.system': 'memory',
        'messaging.destination.name': 'traced',
        'messaging.operation.type': 'send',
        'messaging.message.id': jobKey,
      },
    });
    expect(process).toMatchObject({
      kind: SpanKind.CONSUMER,
      traceId: request.traceId,
      parentSpanId: send.spanId,
      status: { code: SpanStatusCode.UNSET },
      attributes: {
        'messaging.system': 'memory',
        'messaging.destination.name': 'traced',
        'messaging.operation.type': 'process',
        'messaging.message.id': jobKey,
        'hybrid_scheduler.attempt': 1,
      },
    });
    await waitFor(() => named('handler work').length === 1, 2000, 'the handler span');
    expect(named('handler work')[0]).toMatchObject({
      traceId: request.traceId,
      parentSpanId: process.spanId,
    });
  });

  it('a failing run has error status and records the exception, on every attempt', async () => {
    await enqueueInSpan(booted, 'fails');
    await waitFor(() => named('process fails').length === 2, 5000, 'both attempts');
    for (const span of named('process fails')) {
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'the downstream said no' });
      expect(span.events).toContain('exception');
    }
    expect(named('process fails').map((s) => s.attributes['hybrid_scheduler.attempt'])).toEqual([1, 2]);
  });

  it('an internal task run is an INTERNAL span with its job, scheduled time and lateness', async () => {
    await waitFor(() => named('run tick').length >= 1, 3000, 'a tick span');
    const [tick] = named('run tick');
    expect(tick.kind).toBe(SpanKind.INTERNAL);
    expect(tick.parentSpanId).toBeUndefined();
    expect(tick.attributes).toMatchObject({
      'hybrid_scheduler.tier': 'internal',
      'hybrid_scheduler.job': 'tick',
    });
    expect(Date.parse(String(tick.attributes['hybrid_scheduler.scheduled_at']))).toBeGreaterThan(0);
    expect(tick.attributes['hybrid_scheduler.lateness_ms']).toBeGreaterThanOrEqual(0);
  });

  it('a skipped tick is a `skipped <job>` span and a missed one a `missed <job>` span, with due time and reason', async () => {
    await waitFor(() => named('skipped slow-tick').length >= 1, 3000, 'a skipped-tick span');
    const skips = booted.eventsOf('internal:slow-tick', 'skipped');
    const [skipped] = named('skipped slow-tick');
    expect(skipped).toMatchObject({
      kind: SpanKind.INTERNAL,
      status: { code: SpanStatusCode.UNSET },
      attributes: {
        'hybrid_scheduler.tier': 'internal',
        'hybrid_scheduler.job': 'slow-tick',
        'hybrid_scheduler.outcome': 'skipped',
        'hybrid_scheduler.reason': 'previous run is still running (overlap: skip)',
      },
    });
    expect(skips.map((e) => e.scheduledAt!.toISOString())).toContain(
      skipped.attributes['hybrid_scheduler.scheduled_at'],
    );

    await booted.scheduler.pause('internal:slow-tick');
    try {
      await waitFor(() => named('missed slow-tick').length >= 1, 3000, 'a missed-tick span');
      expect(named('missed slow-tick')[0]).toMatchObject({
        kind: SpanKind.INTERNAL,
        attributes: { 'hybrid_scheduler.outcome': 'missed', 'hybrid_scheduler.reason': 'job is paused' },
      });
      expect(booted.eventsOf('internal:slow-tick', 'missed').length).toBeGreaterThanOrEqual(1);
    } finally {
      await booted.scheduler.resume('internal:slow-tick');
    }
  });
});

describe('without an OpenTelemetry SDK', () => {
  it('runs and enqueues as usual, with tracing on or off', async () => {
    for (const tracing of [{ enabled: true }, { enabled: false }]) {
      const booted = await bootApp(tracedModule({ tracing }));
      try {
        const work = booted.app.get(TracedWork);
        await booted.scheduler.enqueueWorkflow('traced', {});
        await waitFor(() => booted.eventsOf('queue:traced', 'succeeded').length === 1, 5000, 'the run');
        await waitFor(() => work.ticks >= 1, 3000, 'a tick');
      } finally {
        await booted.close();
      }
    }
  });
});

const TRACED_APP = resolve('dist/test/fixtures/traced-app/main.js');

describe('one trace across processes (BullMQ on a private Redis)', () => {
  let redis: PrivateRedis;
  let sdk: ReturnType<typeof registerSdk>;
  let producer: BootedApp;
  let worker: ChildProcess;
  const lines: Array<{ event: string; span?: SpanView }> = [];

  beforeAll(async () => {
    if (!existsSync(TRACED_APP)) throw new Error(`${TRACED_APP} is missing: run "npm run -s build" first`);
    redis = await startRedis();
    sdk = registerSdk();
    worker = spawn(resolve('node_modules/.bin/node'), [TRACED_APP], {
      env: { ...process.env, REDIS_URL: redis.url, PREFIX: 'traced' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffer = '';
    worker.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop()!;
      for (const part of parts) if (part.startsWith('{')) lines.push(JSON.parse(part));
    });
    // This process only produces; the worker replica runs the jobs.
    producer = await bootApp(
      tracedModule(
        {
          fallback: 'fail',
          queue: { roles: ['producer'], bullmq: { connection: redis.url, prefix: 'traced' } },
        },
        [ProducerSide],
      ),
    );
    await waitFor(() => lines.some((l) => l.event === 'ready'), 20_000, 'the worker replica');
  });
  afterAll(async () => {
    await producer?.close();
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await new Promise((done) => worker.once('exit', done));
    }
    await sdk?.shutdown();
    await redis?.stop();
  });

  const workerSpans = (name: string) => lines.flatMap((l) => (l.span?.name === name ? [l.span] : []));

  it('the run in the other process is parented by the enqueue', async () => {
    const result = await enqueueInSpan(producer, 'traced');
    await waitFor(() => workerSpans('process traced').length === 1, 10_000, 'the consumer span');
    const [send] = sdk.spans().filter((s) => s.name === 'send traced');
    const [process] = workerSpans('process traced');
    expect(send.attributes['messaging.system']).toBe('bullmq');
    expect(process).toMatchObject({
      kind: SpanKind.CONSUMER,
      traceId: send.traceId,
      parentSpanId: send.spanId,
      attributes: { 'messaging.system': 'bullmq', 'messaging.message.id': result.id.split(':').pop() },
    });
  });

  it('a failing run in the other process has error status, in the producer’s trace', async () => {
    await enqueueInSpan(producer, 'fails');
    await waitFor(() => workerSpans('process fails').length === 1, 10_000, 'the failing span');
    const [send] = sdk.spans().filter((s) => s.name === 'send fails');
    const [process] = workerSpans('process fails');
    expect(process.traceId).toBe(send.traceId);
    expect(process.status).toEqual({ code: SpanStatusCode.ERROR, message: 'the downstream said no' });
    expect(process.events).toContain('exception');
  });
});

/** The producer side declares the same workflows (a replica of the same app), without a tick. */
@Injectable()
class ProducerSide {
  @QueuedWorkflow({ name: 'traced' })
  traced() {}

  @QueuedWorkflow({ name: 'fails', attempts: 1 })
  fails() {}
}
