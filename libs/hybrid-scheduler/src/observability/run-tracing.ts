import { Inject, Injectable } from '@nestjs/common';
import type { Attributes, Span, Tracer, TracerProvider } from '@opentelemetry/api';
import { HYBRID_SCHEDULER_OPTIONS } from '../hybrid-scheduler.constants.js';
import type { ResolvedModuleOptions } from '../config/module-options.js';
import type { JobEvent } from '../interfaces/index.js';
import { JobRegistry } from '../registry/job.registry.js';
import type { RunOutcome, RunRequest } from '../runner/task.runner.js';
import type { JobHeaders } from '../tiers/queue/queue-engine.interface.js';
import { loadOtelApi, type OtelApiModule } from './otel.loader.js';

/** The `messaging.system` of each queue engine (OpenTelemetry messaging semantic conventions). */
export const MESSAGING_SYSTEM: Record<string, string> = {
  bullmq: 'bullmq',
  'cloud-tasks': 'gcp_cloud_tasks',
  rabbitmq: 'rabbitmq',
  nats: 'nats',
  memory: 'memory',
};

/** What a queued run adds to its span: the headers it carried (its parent) and its messaging attributes. */
export interface RunTrace {
  /** W3C trace context (traceparent, tracestate) the job carried from its enqueue. */
  headers?: JobHeaders;
  /** The queue engine (`bullmq`, `cloud-tasks`, …): the span becomes a CONSUMER span `process <workflow>`. */
  engine?: string;
  /** Engine job id: `messaging.message.id`. */
  messageId?: string;
}

const SCOPE = 'nestjs-hybrid-scheduler';

/** The span names of one task, built once (runs and enqueues are hot). */
interface SpanNames {
  send: string;
  process: string;
  run: string;
  skipped: string;
  missed: string;
}

/** The last due time formatted: jobs enqueued in the same millisecond share it (toISOString is ~0.4 µs a call). */
let lastMs = NaN;
let lastIso = '';
function isoOf(date: Date): string {
  const ms = date.getTime();
  if (ms !== lastMs) {
    lastIso = date.toISOString();
    lastMs = ms;
  }
  return lastIso;
}

/** Whether a propagator wrote any header (without allocating a key list per enqueue). */
function hasHeaders(headers: Record<string, string>): boolean {
  for (const _ in headers) return true;
  return false;
}

/**
 * OpenTelemetry spans of enqueues (PRODUCER `send <workflow>`, trace context injected into the job's headers) and
 * of runs (CONSUMER `process <workflow>` parented by the enqueue, INTERNAL `run <job>` for timers and Prefect flow
 * runs), following the messaging semantic conventions. With `tracing.enabled` false or `@opentelemetry/api` not
 * installed, `enabled` is false and the callers skip it; with the API but no SDK, the API's no-op tracer answers.
 */
@Injectable()
export class RunTracing {
  private readonly api?: OtelApiModule;
  private readonly tracer?: Tracer;
  /** The API's no-op provider, what it answers with until an SDK registers one. */
  private readonly noop?: TracerProvider;
  private readonly names = new Map<string, SpanNames>();

  constructor(@Inject(HYBRID_SCHEDULER_OPTIONS) options: ResolvedModuleOptions, registry: JobRegistry) {
    this.api = options.tracing.enabled ? loadOtelApi() : undefined;
    this.tracer = this.api?.trace.getTracer(SCOPE);
    this.noop = this.api ? new this.api.ProxyTracerProvider().getDelegate() : undefined;
    if (this.api) registry.observeNotRun((event) => this.notRun(event));
  }

  /**
   * Whether runs and enqueues get spans: the API is installed, tracing is on and an SDK has registered a tracer
   * provider (checked on every call, so an SDK started after the app still gets spans). Without an SDK every span
   * would be a no-op, so the hot paths skip building them.
   */
  get enabled(): boolean {
    const api = this.api;
    if (!api) return false;
    const provider = api.trace.getTracerProvider();
    return !(provider instanceof api.ProxyTracerProvider) || provider.getDelegate() !== this.noop;
  }

  /** Runs `enqueue` inside a PRODUCER span, handing it the headers that carry the span's context. */
  async produce<T extends { jobKey: string; created: boolean }>(
    workflow: string,
    engine: string,
    enqueue: (headers?: JobHeaders) => Promise<T>,
  ): Promise<T> {
    const api = this.api;
    if (!api || !this.tracer) return enqueue();
    const span = this.tracer.startSpan(this.namesOf(workflow).send, {
      kind: api.SpanKind.PRODUCER,
      attributes: {
        'messaging.system': MESSAGING_SYSTEM[engine] ?? engine,
        'messaging.destination.name': workflow,
        'messaging.operation.type': 'send',
        'messaging.operation.name': 'send',
      },
    });
    const active = api.trace.setSpan(api.context.active(), span);
    const headers: Record<string, string> = {};
    api.propagation.inject(active, headers);
    try {
      const job = await api.context.with(
        active,
        enqueue,
        undefined,
        hasHeaders(headers) ? headers : undefined,
      );
      span.setAttribute('messaging.message.id', job.jobKey);
      if (!job.created) span.setAttribute('hybrid_scheduler.idempotent_hit', true);
      return job;
    } catch (error) {
      this.fail(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  /** Runs `execute` (one run through the TaskRunner) inside its span, and closes the span with its outcome. */
  async run(
    request: Pick<RunRequest, 'tier' | 'name' | 'attempt' | 'scheduledAt' | 'runId' | 'trace'>,
    execute: () => Promise<RunOutcome>,
  ): Promise<RunOutcome> {
    const api = this.api!;
    const trace = request.trace;
    const parent = trace?.headers
      ? api.propagation.extract(api.ROOT_CONTEXT, trace.headers)
      : api.context.active();
    const names = this.namesOf(request.name);
    const consumer = !!trace?.engine;
    // One object literal per kind (attributes the conventions ask for, no spreads): what the SDK copies anyway.
    const attributes: Attributes = consumer
      ? {
          'messaging.system': MESSAGING_SYSTEM[trace.engine!] ?? trace.engine,
          'messaging.destination.name': request.name,
          'messaging.operation.type': 'process',
          'messaging.operation.name': 'process',
          'hybrid_scheduler.attempt': request.attempt ?? 1,
        }
      : {
          'hybrid_scheduler.tier': request.tier,
          'hybrid_scheduler.job': request.name,
          'hybrid_scheduler.attempt': request.attempt ?? 1,
        };
    if (consumer && trace.messageId) attributes['messaging.message.id'] = trace.messageId;
    const scheduledAt = request.scheduledAt;
    if (scheduledAt) {
      attributes['hybrid_scheduler.scheduled_at'] = isoOf(scheduledAt);
      attributes['hybrid_scheduler.lateness_ms'] = Math.max(0, Date.now() - scheduledAt.getTime());
    }
    if (request.tier === 'prefect') {
      attributes['prefect.flow_run.id'] = request.runId;
      attributes['prefect.deployment.name'] = request.name;
    }
    const span = this.tracer!.startSpan(
      consumer ? names.process : names.run,
      { kind: consumer ? api.SpanKind.CONSUMER : api.SpanKind.INTERNAL, attributes },
      parent,
    );
    try {
      const outcome = await api.context.with(api.trace.setSpan(parent, span), execute);
      if (outcome.status === 'failed') this.fail(span, outcome.error);
      else if (outcome.status === 'cancelled') {
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: outcome.error?.message ?? 'cancelled' });
        span.setAttribute('hybrid_scheduler.cancelled', true);
      }
      return outcome;
    } finally {
      span.end();
    }
  }

  /**
   * A skipped or missed tick as a span of no duration, `skipped <job>` or `missed <job>` (INTERNAL, status unset:
   * nothing failed), with its due time and the reason, so a trace backend shows why a tick did not run.
   */
  private notRun(event: JobEvent): void {
    if (!this.enabled) return;
    const attributes: Attributes = {
      'hybrid_scheduler.tier': event.tier,
      'hybrid_scheduler.job': event.name,
      'hybrid_scheduler.outcome': event.type,
    };
    if (event.reason) attributes['hybrid_scheduler.reason'] = event.reason;
    if (event.scheduledAt) attributes['hybrid_scheduler.scheduled_at'] = isoOf(event.scheduledAt);
    if (event.tier === 'prefect' && event.runId) attributes['prefect.flow_run.id'] = event.runId;
    const names = this.namesOf(event.name);
    const span = this.tracer!.startSpan(event.type === 'skipped' ? names.skipped : names.missed, {
      kind: this.api!.SpanKind.INTERNAL,
      attributes,
      startTime: event.at,
    });
    span.end(event.at);
  }

  private namesOf(name: string): SpanNames {
    let names = this.names.get(name);
    if (!names) {
      names = {
        send: `send ${name}`,
        process: `process ${name}`,
        run: `run ${name}`,
        skipped: `skipped ${name}`,
        missed: `missed ${name}`,
      };
      this.names.set(name, names);
    }
    return names;
  }

  /** Error status and the exception recorded, as the conventions ask of a failed operation. */
  private fail(span: Span, error: unknown): void {
    const api = this.api!;
    const exception = error instanceof Error ? error : new Error(String(error));
    span.recordException(exception);
    span.setStatus({ code: api.SpanStatusCode.ERROR, message: exception.message });
  }
}
