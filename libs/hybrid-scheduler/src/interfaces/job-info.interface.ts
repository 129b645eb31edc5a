import type { TierName } from './characteristics.interface.js';

export type JobRunStatus = 'succeeded' | 'failed' | 'skipped' | 'missed' | 'cancelled';

/** A snapshot of one job as `listJobs()` and `getJob()` return it. */
export interface JobInfo {
  /** `<tier>:<name>`, for example `internal:health-check`. */
  id: string;
  tier: TierName;
  /** The tier the task was declared for, when it runs elsewhere because of a fallback. */
  declaredTier: TierName;
  name: string;
  /** Human-readable schedule: `every 30000ms`, `cron 0 3 * * * (UTC)`, `at 2026-…`, `on demand`. */
  schedule: string;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  lastStatus: JobRunStatus | null;
  lastError: string | null;
  runs: number;
  failures: number;
  paused: boolean;
  /** How many runs of this job are executing in this process right now. */
  running: number;
  /** `Class.method` that implements the job, or `dynamic` for jobs added at runtime. */
  source: string;
  /** Tier-specific counters (queue: waiting, active, delayed, failed, dead; prefect: last state). */
  details?: Record<string, unknown>;
}
