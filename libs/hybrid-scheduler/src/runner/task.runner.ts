import { Injectable, Logger, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { TaskCancelledError } from '../errors/index.js';
import type { JobEvent, JobEventType, TaskContext, TaskLogger, TierName } from '../interfaces/index.js';
import { JobRegistry } from '../registry/job.registry.js';
import { settleWithin } from '../common/settle-within.js';
import { RunTracing, type RunTrace } from '../observability/run-tracing.js';
import { RunAbort } from './run-abort.js';

export interface RunRequest<C extends TaskContext = TaskContext> {
  jobId: string;
  tier: TierName;
  name: string;
  runId?: string;
  attempt?: number;
  scheduledAt?: Date;
  timeoutMs?: number;
  /** Aborts the run from outside (shutdown, cancellation from Prefect). */
  signal?: AbortSignal;
  /** A logger to hand to the task instead of the default Nest logger (the Prefect tier ships lines). */
  logger?: TaskLogger;
  /** Adds tier-specific fields to the base context. */
  extendContext?: (base: TaskContext) => C;
  /** Calls the user's method. */
  invoke: (context: C) => unknown;
  /** Whether a failure is reported as `failed` (default) or handled by the caller (queue retries). */
  reportFailure?: boolean;
  /** Queued runs: the trace context the job carried and its engine (the run's span becomes a CONSUMER span). */
  trace?: RunTrace;
}

export interface RunOutcome {
  status: 'succeeded' | 'failed' | 'cancelled';
  durationMs: number;
  result?: unknown;
  error?: Error;
}

const asError = (value: unknown): Error => (value instanceof Error ? value : new Error(String(value)));
const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | null)?.then === 'function';

/**
 * The one seam every run goes through, whatever the tier: timing, timeout via AbortSignal, error capture,
 * outcome events, the run's OpenTelemetry span (observability/run-tracing.ts) and the set of in-flight runs that
 * shutdown waits for. Override it (Nest's `overrideProvider`) to add more around every handler call.
 */
@Injectable()
export class TaskRunner {
  private readonly logger = new Logger('HybridScheduler:Runner');
  private readonly inFlight = new Map<TierName, Set<Promise<unknown>>>();
  /** One logger per job id, reused by every run of it (runs are hot in the queue tier). */
  private readonly loggers = new Map<string, Logger>();

  constructor(
    private readonly registry: JobRegistry,
    @Optional() private readonly tracing?: RunTracing,
  ) {}

  /** Runs one task; with tracing on (an OpenTelemetry API installed), inside the run's span. */
  run<C extends TaskContext>(request: RunRequest<C>): Promise<RunOutcome> {
    return this.tracing?.enabled
      ? this.tracing.run(request, () => this.execute(request))
      : this.execute(request);
  }

  private async execute<C extends TaskContext>(request: RunRequest<C>): Promise<RunOutcome> {
    const started = performance.now();
    const runId = request.runId ?? randomUUID();
    const attempt = request.attempt ?? 1;
    const scheduledAt = request.scheduledAt ?? new Date();
    const abort = new RunAbort(request.jobId, request.signal, request.timeoutMs);
    const base: TaskContext = {
      jobId: request.jobId,
      runId,
      attempt,
      scheduledAt,
      // Created on first read: a handler that never looks at it costs no AbortController.
      get signal() {
        return abort.signal;
      },
      logger: request.logger ?? this.loggerFor(request.jobId),
    };
    const context = request.extendContext ? request.extendContext(base) : (base as C);
    this.report(request, runId, attempt, 'started', undefined, undefined, scheduledAt);

    try {
      // The handler is called right away; only a promise it returns needs the race against abort and timeout.
      let result = request.invoke(context);
      if (isThenable(result)) {
        const execution = Promise.resolve(result);
        this.track(request.tier, execution);
        result = await abort.race(execution);
      }
      const durationMs = performance.now() - started;
      this.report(request, runId, attempt, 'succeeded', durationMs);
      return { status: 'succeeded', durationMs, result };
    } catch (thrown) {
      const error = asError(thrown);
      const durationMs = performance.now() - started;
      const cancelled = error instanceof TaskCancelledError;
      if (request.reportFailure !== false || cancelled) {
        const info = this.registry.has(request.jobId) ? this.registry.info(request.jobId) : undefined;
        // A cancellation is not a failure: it is logged as a warning and counted as a run only.
        const failures = (info?.failures ?? 0) + (cancelled ? 0 : 1);
        const text =
          `Job "${request.jobId}" ${cancelled ? 'was cancelled' : 'failed'} after ${durationMs.toFixed(0)}ms (attempt ${attempt}; ` +
          `${failures} failures in ${(info?.runs ?? 0) + 1} runs): ${error.message}`;
        if (cancelled) this.logger.warn(text);
        else this.logger.error(text, error.stack);
      }
      this.report(request, runId, attempt, cancelled ? 'cancelled' : 'failed', durationMs, error);
      return { status: cancelled ? 'cancelled' : 'failed', durationMs, error };
    } finally {
      abort.release();
    }
  }

  /** The run's event; when nobody listens to `events$`, only the JobInfo update (no event object is built). */
  private report(
    request: Pick<RunRequest, 'jobId' | 'tier' | 'name'>,
    runId: string,
    attempt: number,
    type: JobEventType,
    durationMs?: number,
    error?: Error,
    scheduledAt?: Date,
  ): void {
    if (!this.registry.observed) return this.registry.apply(request.jobId, type, error);
    const event: Omit<JobEvent, 'at'> = {
      type,
      jobId: request.jobId,
      tier: request.tier,
      name: request.name,
      runId,
      attempt,
    };
    if (scheduledAt) event.scheduledAt = scheduledAt;
    if (durationMs !== undefined) event.durationMs = durationMs;
    if (error) event.error = error;
    this.registry.emit(event);
  }

  private loggerFor(jobId: string): Logger {
    let logger = this.loggers.get(jobId);
    if (!logger) {
      // Bounded, so that many short-lived dynamic jobs cannot grow it without end.
      if (this.loggers.size >= 1000) this.loggers.clear();
      this.loggers.set(jobId, (logger = new Logger(jobId)));
    }
    return logger;
  }

  /** Runs of `tier` whose handler has not settled yet (including ones that timed out but still run). */
  runningCount(tier: TierName): number {
    return this.inFlight.get(tier)?.size ?? 0;
  }

  /** Resolves when every handler of `tier` has settled, or false after `timeoutMs`. */
  async drain(tier: TierName, timeoutMs: number): Promise<boolean> {
    const running = this.inFlight.get(tier);
    return !running || running.size === 0 ? true : settleWithin(running, timeoutMs);
  }

  /** Keeps an async handler in the in-flight set until it settles (one extra promise per run). */
  private track(tier: TierName, execution: Promise<unknown>): void {
    let set = this.inFlight.get(tier);
    if (!set) this.inFlight.set(tier, (set = new Set()));
    const running = set;
    const settled: Promise<void> = execution.then(
      () => void running.delete(settled),
      () => void running.delete(settled),
    );
    running.add(settled);
  }
}
