/** What became of a run an engine keeps, in the words of JobEvents. */
export type RecentRunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

/**
 * One run of a job as its engine keeps it (a BullMQ completed or failed job, a Prefect flow run), whichever
 * replica ran it. Errors and stacks are redacted.
 */
export interface RecentRun {
  /** The run id, as `JobEvent.runId` has it: `queue:<workflow>:<job id>`, or the Prefect flow run id. */
  id: string;
  status: RecentRunStatus;
  /** The engine's own name for the state where it says more (Prefect: `Crashed`, `Cancelled`, …). */
  state?: string;
  /** Tries made so far (BullMQ `attemptsMade`, Prefect `run_count`). */
  attempts: number;
  /** When the job was added or the flow run created. */
  createdAt: Date | null;
  /** When it was due: a delayed job, a schedule's tick, a scheduled flow run. */
  scheduledAt: Date | null;
  /** When its last try started. */
  startedAt: Date | null;
  finishedAt: Date | null;
  /** `finishedAt - startedAt` of the last try. */
  durationMs: number | null;
  error?: string;
  stack?: string;
}

/** What `HybridScheduler.recentRuns()` answers. */
export interface RecentRuns {
  jobId: string;
  /** Who kept the runs (`bullmq`, `prefect`), or null when nothing keeps them. */
  keptBy: string | null;
  /** Newest first (by when they finished, or started while running), at most `limit`. */
  runs: RecentRun[];
  /** Why there are none to read whatever ran: the engine drops finished jobs, or the job runs in process. */
  notKept?: string;
}

export interface RecentRunsOptions {
  /** How many runs at most (default 20, at most 1000). */
  limit?: number;
}
