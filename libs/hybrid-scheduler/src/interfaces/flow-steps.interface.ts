import type { TaskLogger } from './task-context.interface.js';

/** Options of one step (`ctx.task`): on the Prefect tier they become the task run's policy and tags. */
export interface StepOptions {
  /** Tries after the first failure (Prefect's task `retries`; the server decides through AwaitingRetry). */
  retries?: number;
  /** Delay before each retry, in seconds (Prefect's `retry_delay`). */
  retryDelaySeconds?: number;
  /**
   * Steps (promises returned by `ctx.task` / `ctx.map`) that must finish first. They are the upstream edges of
   * the run graph (`task_inputs.wait_for`); if one fails, this step does not run and rejects with
   * UpstreamStepError.
   */
  waitFor?: readonly PromiseLike<unknown>[];
  /** Aborts the step's signal and fails the attempt (TaskTimeoutError) after this long. */
  timeoutMs?: number;
  /** Tags of the task run in Prefect. */
  tags?: string[];
}

/** Options of `ctx.map`: those of a step, plus how many items run at once. */
export interface MapOptions extends StepOptions {
  /** Items in flight at once (default: all). */
  concurrency?: number;
}

/** What a step's function receives. */
export interface StepContext {
  /** The step's name as given to `ctx.task` / `ctx.map`. */
  name: string;
  /** 1 for the first try of this step. */
  attempt: number;
  /** Fires on the step's timeout, and when the flow run is cancelled or the worker shuts down. */
  signal: AbortSignal;
  /** Lines go to the Nest logger and, on Prefect, to the task run's logs. */
  logger: TaskLogger;
  /** The Prefect task run id (a generated id off the Prefect tier). */
  stepRunId: string;
}

export type StepFn<T> = (step: StepContext) => T | PromiseLike<T>;
export type MapFn<I, R> = (item: I, step: StepContext & { index: number }) => R | PromiseLike<R>;
