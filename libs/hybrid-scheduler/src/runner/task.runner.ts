import { Injectable, Logger, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { TaskCancelledError, TaskTimeoutError } from '../errors/index.js';
import type { JobEvent, JobEventType, TaskContext, TaskLogger, TierName } from '../interfaces/index.js';
import { JobRegistry } from '../registry/job.registry.js';
import { settleWithin } from '../common/settle-within.js';
import { RunTracing, type RunTrace } from '../observability/run-tracing.js';

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
const noop = (): void => undefined;
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
    const controller = new AbortController();
    const abortFromOutside = () =>
      controller.abort(
        request.signal?.reason ?? new TaskCancelledError(`Job "${request.jobId}" was cancelled`),
      );
    if (request.signal?.aborted) abortFromOutside();
    request.signal?.addEventListener('abort', abortFromOutside, { once: true });
    const base: TaskContext = {
      jobId: request.jobId,
      runId,
      attempt: request.attempt ?? 1,
      scheduledAt: request.scheduledAt ?? new Date(),
      signal: controller.signal,
      logger: request.logger ?? this.loggerFor(request.jobId),
    };
    const context = request.extendContext ? request.extendContext(base) : (base as C);
    // One place that fills the fields every event of this run shares.
    const emit = (type: JobEventType, extra: Partial<JobEvent> = {}) =>
      this.registry.emit({
        type,
        jobId: request.jobId,
        tier: request.tier,
        name: request.name,
        runId,
        attempt: base.attempt,
        ...extra,
      });
    emit('started', { scheduledAt: base.scheduledAt });

    try {
      // The handler is called right away; only a promise it returns needs the race against abort and timeout.
      let result = request.invoke(context);
      if (isThenable(result)) result = await this.settle(request, Promise.resolve(result), controller);
      const durationMs = performance.now() - started;
      emit('succeeded', { durationMs });
      return { status: 'succeeded', durationMs, result };
    } catch (thrown) {
      const error = asError(thrown);
      const durationMs = performance.now() - started;
      const cancelled = error instanceof TaskCancelledError;
      if (request.reportFailure !== false || cancelled) {
        const info = this.registry.has(request.jobId) ? this.registry.info(request.jobId) : undefined;
        this.logger.error(
          `Job "${request.jobId}" ${cancelled ? 'was cancelled' : 'failed'} after ${durationMs.toFixed(0)}ms (attempt ${base.attempt}; ` +
            `${(info?.failures ?? 0) + 1} failures in ${(info?.runs ?? 0) + 1} runs): ${error.message}`,
          cancelled ? undefined : error.stack,
        );
      }
      emit(cancelled ? 'cancelled' : 'failed', { durationMs, error });
      return { status: cancelled ? 'cancelled' : 'failed', durationMs, error };
    } finally {
      request.signal?.removeEventListener('abort', abortFromOutside);
    }
  }

  /**
   * Waits for an async handler unless its signal aborts first (timeout, cancellation, shutdown). The handler
   * itself may go on; it stays in the in-flight set that shutdown drains.
   */
  private async settle(
    request: Pick<RunRequest, 'tier' | 'jobId' | 'timeoutMs'>,
    execution: Promise<unknown>,
    controller: AbortController,
  ): Promise<unknown> {
    this.track(request.tier, execution.then(noop, noop));
    let timer: NodeJS.Timeout | undefined;
    const aborted = new Promise<never>((_, reject) => {
      const rejectWithReason = () => reject(asError(controller.signal.reason));
      if (controller.signal.aborted) return rejectWithReason();
      controller.signal.addEventListener('abort', rejectWithReason, { once: true });
      if (request.timeoutMs) {
        timer = setTimeout(
          () => controller.abort(new TaskTimeoutError(request.jobId, request.timeoutMs!)),
          request.timeoutMs,
        );
      }
    });
    aborted.catch(noop);
    try {
      return await Promise.race([execution, aborted]);
    } finally {
      if (timer) clearTimeout(timer);
    }
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

  private track(tier: TierName, promise: Promise<unknown>): void {
    let set = this.inFlight.get(tier);
    if (!set) this.inFlight.set(tier, (set = new Set()));
    set.add(promise);
    void promise.finally(() => set.delete(promise));
  }
}
