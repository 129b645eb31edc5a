import { sleep } from '../common/timers.js';
import {
  InvalidArgumentError,
  TaskCancelledError,
  TaskTimeoutError,
  UpstreamStepError,
} from '../errors/index.js';
import type { MapFn, MapOptions, StepContext, StepFn, StepOptions, TaskLogger } from '../interfaces/index.js';
import { Slots } from './slots.js';

const asError = (value: unknown): Error => (value instanceof Error ? value : new Error(String(value)));

/** One step as its reporter records it. */
export interface StepRecord {
  name: string;
  /** Distinct per step of the same name within the flow run (Prefect's `dynamic_key`): "0", "1", … */
  dynamicKey: string;
  /** Run ids of the steps it waits for (the run graph's upstream edges). */
  upstream: string[];
  options: StepOptions;
}

/** Where a flow run's steps are recorded: Prefect task runs, or nowhere (in process, off the Prefect tier). */
export interface StepReporter {
  /** Records the step as pending; answers its run id. */
  create(step: StepRecord): Promise<string>;
  /** Proposes RUNNING (waiting when told to); `run: false` when the step must not run, saying why. */
  start(id: string, signal: AbortSignal): Promise<{ run: true } | { run: false; reason: string }>;
  completed(id: string): Promise<void>;
  /** Reports a failed attempt; answers when to try again, or null when the step has failed for good. */
  failed(id: string, error: Error, attempt: number, step: StepRecord): Promise<Date | null>;
  /** Ends a step that will not run (any more): cancellation, shutdown, an upstream failure. */
  cancelled(id: string, reason: string): Promise<void>;
  logger(id: string, name: string): TaskLogger;
}

/** Steps of one flow-run attempt: what `ctx.task` and `ctx.map` do, whatever records them. */
export class FlowSteps {
  private readonly runIds = new WeakMap<object, { name: string; ids: Promise<string[]> }>();
  private readonly counters = new Map<string, number>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly ended = new AbortController();
  private readonly signal: AbortSignal;

  /**
   * @param label names the flow in errors (its job id); @param attempt of the flow run: steps of a retried flow
   * run get dynamic keys of their own, so they are new task runs next to the failed attempt's.
   */
  constructor(
    private readonly reporter: StepReporter,
    flowSignal: AbortSignal,
    private readonly label: string,
    private readonly attempt = 1,
  ) {
    this.signal = AbortSignal.any([flowSignal, this.ended.signal]);
  }

  task<T>(name: string, fn: StepFn<T>, options: StepOptions = {}): Promise<T> {
    this.check('task', name, fn, options);
    const step = this.launch(name, fn, options);
    this.runIds.set(step.result, { name, ids: step.id.then((id) => [id]) });
    return step.result;
  }

  map<I, R>(name: string, items: readonly I[], fn: MapFn<I, R>, options: MapOptions = {}): Promise<R[]> {
    this.check('map', name, fn, options);
    if (!Array.isArray(items)) throw new InvalidArgumentError('ctx.map', 'items', items, 'an array');
    const { concurrency, ...stepOptions } = options;
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0))
      throw new InvalidArgumentError('ctx.map', 'options.concurrency', concurrency, 'a positive integer');
    const slots = new Slots(concurrency ?? Number.POSITIVE_INFINITY);
    const steps = items.map((item, index) =>
      this.launch(name, (step) => fn(item, { ...step, index }), stepOptions, slots),
    );
    const result = Promise.allSettled(steps.map((s) => s.result)).then((settled) => {
      const failure = settled.find((s) => s.status === 'rejected');
      if (failure) throw failure.reason;
      return settled.map((s) => (s as PromiseFulfilledResult<R>).value);
    });
    this.runIds.set(result, { name, ids: Promise.all(steps.map((s) => s.id)) });
    return this.track(result);
  }

  /**
   * Once the method has returned: waits for steps still running, or (the method failed, or was cancelled)
   * aborts them first so their runs end CANCELLED.
   */
  async finish(abortRunning: boolean): Promise<void> {
    if (abortRunning && this.inFlight.size)
      this.ended.abort(new TaskCancelledError(`${this.label}: the flow run ended before this step`));
    await Promise.allSettled(this.inFlight);
  }

  private launch<T>(
    name: string,
    fn: StepFn<T>,
    options: StepOptions,
    slots?: Slots,
  ): { id: Promise<string>; result: Promise<T> } {
    const n = this.counters.get(name) ?? 0;
    this.counters.set(name, n + 1);
    const upstream = (options.waitFor ?? []).map((p) => this.runIds.get(p)!);
    const record: StepRecord = {
      name,
      dynamicKey: this.attempt > 1 ? `${n}-attempt-${this.attempt}` : String(n),
      upstream: [],
      options,
    };
    const id = (async () => {
      record.upstream = (await Promise.all(upstream.map((u) => u.ids.catch(() => [])))).flat();
      return this.reporter.create(record);
    })();
    const result = (async () => {
      const runId = await id;
      for (const [i, u] of upstream.entries()) {
        try {
          await options.waitFor![i];
        } catch (error) {
          await this.reporter.cancelled(runId, `Not run: step "${u.name}" it waits for failed`);
          throw new UpstreamStepError(name, u.name, error);
        }
      }
      let release = () => undefined as void;
      if (slots) {
        try {
          release = await slots.acquire(this.signal);
        } catch {
          return this.abandon(runId);
        }
      }
      try {
        return await this.attempts(runId, fn, record);
      } finally {
        release();
      }
    })();
    id.catch(() => undefined);
    return { id, result: this.track(result) };
  }

  private async attempts<T>(runId: string, fn: StepFn<T>, record: StepRecord): Promise<T> {
    const logger = this.reporter.logger(runId, record.name);
    for (let attempt = 1; ; attempt++) {
      if (this.signal.aborted) return this.abandon(runId);
      const start = await this.reporter.start(runId, this.signal);
      if (!start.run) {
        if (this.signal.aborted) return this.abandon(runId);
        throw new TaskCancelledError(`${this.label}: step "${record.name}" was not started: ${start.reason}`);
      }
      let value: T;
      try {
        value = await this.once(fn, { name: record.name, attempt, logger, stepRunId: runId }, record);
      } catch (thrown) {
        if (this.signal.aborted) return this.abandon(runId);
        const error = asError(thrown);
        logger.error(`Step "${record.name}" failed on attempt ${attempt}: ${error.stack ?? error.message}`);
        const retryAt = await this.reporter.failed(runId, error, attempt, record);
        if (!retryAt) throw error;
        await sleep(Math.max(0, retryAt.getTime() - Date.now()), this.signal);
        continue;
      }
      await this.reporter.completed(runId);
      return value;
    }
  }

  /** The flow run was cancelled (or shut down, or ended): the step ends CANCELLED and rejects with the reason. */
  private async abandon(runId: string): Promise<never> {
    const reason = asError(this.signal.reason);
    await this.reporter.cancelled(runId, `Cancelled: ${reason.message}`).catch(() => undefined);
    throw reason;
  }

  /** One attempt: the function, racing its timeout and the flow's signal (a function that ignores it is not waited for). */
  private once<T>(fn: StepFn<T>, step: Omit<StepContext, 'signal'>, record: StepRecord): Promise<T> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(this.signal.reason);
    if (this.signal.aborted) onAbort();
    else this.signal.addEventListener('abort', onAbort, { once: true });
    const { timeoutMs } = record.options;
    const timer = timeoutMs
      ? setTimeout(
          () => controller.abort(new TaskTimeoutError(`${this.label} step "${record.name}"`, timeoutMs)),
          timeoutMs,
        )
      : undefined;
    return new Promise<T>((resolve, reject) => {
      const rejectWithReason = () => reject(asError(controller.signal.reason));
      if (controller.signal.aborted) return rejectWithReason();
      controller.signal.addEventListener('abort', rejectWithReason, { once: true });
      Promise.resolve()
        .then(() => fn({ ...step, signal: controller.signal }))
        .then(resolve, reject);
    }).finally(() => {
      clearTimeout(timer);
      this.signal.removeEventListener('abort', onAbort);
    });
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    // Handled here so a step nobody awaits cannot crash the process; the caller still sees the rejection.
    promise.then(
      () => this.inFlight.delete(promise),
      () => this.inFlight.delete(promise),
    );
    return promise;
  }

  private check(method: 'task' | 'map', name: unknown, fn: unknown, options: StepOptions | MapOptions): void {
    const where = `ctx.${method}`;
    if (typeof name !== 'string' || !name.trim())
      throw new InvalidArgumentError(where, 'name', name, 'a non-empty string');
    if (typeof fn !== 'function') throw new InvalidArgumentError(where, 'fn', fn, 'a function');
    if (options === null || typeof options !== 'object')
      throw new InvalidArgumentError(where, 'options', options, 'an object');
    const { retries, retryDelaySeconds, timeoutMs, waitFor } = options;
    if (retries !== undefined && !(Number.isInteger(retries) && retries >= 0))
      throw new InvalidArgumentError(where, 'options.retries', retries, 'an integer >= 0');
    if (retryDelaySeconds !== undefined && !(typeof retryDelaySeconds === 'number' && retryDelaySeconds >= 0))
      throw new InvalidArgumentError(where, 'options.retryDelaySeconds', retryDelaySeconds, 'a number >= 0');
    if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs > 0))
      throw new InvalidArgumentError(where, 'options.timeoutMs', timeoutMs, 'a number > 0');
    for (const p of waitFor ?? [])
      if (typeof p !== 'object' || p === null || !this.runIds.has(p))
        throw new InvalidArgumentError(
          where,
          'options.waitFor',
          p,
          'promises returned by ctx.task / ctx.map of this flow run',
        );
  }
}

/** Off the Prefect tier: steps are recorded nowhere; retries and their delays are applied in process. */
export function localStepReporter(logger: TaskLogger): StepReporter {
  let next = 0;
  const prefixed = (name: string): TaskLogger => ({
    log: (m) => logger.log(`[${name}] ${m}`),
    warn: (m) => logger.warn(`[${name}] ${m}`),
    error: (m) => logger.error(`[${name}] ${m}`),
    debug: (m) => logger.debug(`[${name}] ${m}`),
  });
  return {
    create: async (step) => `local-${step.name}-${next++}`,
    start: async () => ({ run: true }),
    completed: async () => undefined,
    failed: async (_id, _error, attempt, step) =>
      attempt <= (step.options.retries ?? 0)
        ? new Date(Date.now() + (step.options.retryDelaySeconds ?? 0) * 1000)
        : null,
    cancelled: async () => undefined,
    logger: (_id, name) => prefixed(name),
  };
}
