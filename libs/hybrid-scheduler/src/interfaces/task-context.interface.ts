/** The logger handed to a running task; the Prefect tier also ships its lines to the Prefect UI. */
export interface TaskLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

/** What every tier passes to a running handler. Tiers extend it with their own fields. */
export interface TaskContext {
  /** `<tier>:<name>` of the job. */
  jobId: string;
  /** Unique id of this run (a queue job id, a Prefect flow-run id, or a generated id). */
  runId: string;
  /** 1 for the first try. */
  attempt: number;
  /** When this run was due; equal to the start time for manual triggers. */
  scheduledAt: Date;
  /** Fires on timeout, cancellation or shutdown; pass it to fetch, streams and child work. */
  signal: AbortSignal;
  logger: TaskLogger;
}

/** Context of an `@InternalTask` run. */
export type InternalTaskContext = TaskContext;
