import type { JobEvent, JobEventType } from '../interfaces/index.js';
import { redact } from '../common/redact.js';

export type DashboardRunStatus = 'running' | JobEventType;

/** One run (one attempt) of a job, or one tick that was skipped or missed, as the dashboard shows it. */
export interface DashboardRun {
  runId: string | null;
  attempt: number | null;
  status: DashboardRunStatus;
  /** When the run started (for skipped/missed: when that was decided). */
  at: string;
  scheduledAt: string | null;
  /** How late the run started after it was due. */
  latenessMs: number | null;
  durationMs: number | null;
  error: string | null;
  stack: string | null;
  reason: string | null;
  /** Who reported the run: `this process` (its job events) or the engine that keeps it (`bullmq`, `prefect`). */
  from: string;
}

/** Figures over the runs the history holds of one job, as the metrics count them (the same job events). */
export interface RunSummary {
  /** How many runs the figures cover (finished ones for durations, started ones for lateness). */
  finished: number;
  /** Failed attempts, as `runs_total{status="failed"}` counts them (a retried attempt is one too). */
  failed: number;
  p50DurationMs: number | null;
  p95DurationMs: number | null;
  p95LatenessMs: number | null;
}

export const THIS_PROCESS = 'this process';
/** A run's stack is kept up to this many characters. */
export const MAX_STACK = 4_000;

/** Nearest-rank percentile of `values` (unsorted), null when there are none. */
function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const FINISHED: ReadonlySet<JobEventType> = new Set(['succeeded', 'failed', 'cancelled']);
const FAILED_ATTEMPT: ReadonlySet<DashboardRunStatus> = new Set(['failed', 'retrying', 'dead-lettered']);

const iso = (date: Date | undefined): string | null => (date ? date.toISOString() : null);

/**
 * A bounded in-process history of runs per job, fed by the facade's job events: each `started` opens a run,
 * its outcome (or `retrying` / `dead-lettered`) closes it; skipped and missed ticks are entries of their own.
 * At most `size` entries per job; the oldest go first. Only runs observed by this process are kept.
 */
export class RunHistory {
  private readonly runs = new Map<string, DashboardRun[]>();
  private readonly open = new Map<string, DashboardRun>();

  constructor(private readonly size: number) {}

  record(event: JobEvent): void {
    const key = `${event.jobId}|${event.runId ?? ''}|${event.attempt ?? ''}`;
    if (event.type === 'started') {
      const run = this.entry(event, 'running');
      run.latenessMs = event.scheduledAt
        ? Math.max(0, event.at.getTime() - event.scheduledAt.getTime())
        : null;
      this.open.set(key, run);
      this.push(event.jobId, run);
      return;
    }
    if (FINISHED.has(event.type)) {
      const started = this.open.get(key) ?? this.latest(event.jobId, event.runId, null, 'running');
      this.open.delete(key);
      if (started) return this.close(started, event);
    } else if (event.type === 'retrying' || event.type === 'dead-lettered') {
      // The queue tier reports them right after the attempt's `failed`: they say what became of that attempt.
      const attempt = this.latest(event.jobId, event.runId, event.attempt ?? null);
      if (attempt && event.runId) return this.close(attempt, event);
    }
    // A run this process did not see start (another replica, before boot), or a skipped/missed tick.
    const run = this.entry(event, event.type);
    this.close(run, event);
    this.push(event.jobId, run);
  }

  /** Newest first. */
  of(jobId: string): DashboardRun[] {
    return [...(this.runs.get(jobId) ?? [])].reverse();
  }

  summary(jobId: string): RunSummary {
    const runs = this.runs.get(jobId) ?? [];
    const durations = runs.flatMap((run) => (run.durationMs === null ? [] : [run.durationMs]));
    const lateness = runs.flatMap((run) => (run.latenessMs === null ? [] : [run.latenessMs]));
    return {
      finished: durations.length,
      failed: runs.filter((run) => FAILED_ATTEMPT.has(run.status)).length,
      p50DurationMs: percentile(durations, 50),
      p95DurationMs: percentile(durations, 95),
      p95LatenessMs: percentile(lateness, 95),
    };
  }

  latestFinished(jobId: string): DashboardRun | undefined {
    return this.of(jobId).find((run) => run.durationMs !== null);
  }

  private entry(event: JobEvent, status: DashboardRunStatus): DashboardRun {
    return {
      runId: event.runId ?? null,
      attempt: event.attempt ?? null,
      status,
      at: event.at.toISOString(),
      scheduledAt: iso(event.scheduledAt),
      latenessMs: null,
      durationMs: null,
      error: null,
      stack: null,
      reason: event.reason ? redact(event.reason) : null,
      from: THIS_PROCESS,
    };
  }

  private close(run: DashboardRun, event: JobEvent): void {
    run.status = event.type;
    if (event.durationMs !== undefined) run.durationMs = event.durationMs;
    if (event.error && !run.error) {
      run.error = redact(event.error.message);
      run.stack = event.error.stack ? redact(event.error.stack).slice(0, MAX_STACK) : null;
    }
    if (event.reason) run.reason = redact(event.reason);
  }

  private latest(
    jobId: string,
    runId: string | undefined,
    attempt: number | null,
    status?: DashboardRunStatus,
  ): DashboardRun | undefined {
    const runs = this.runs.get(jobId) ?? [];
    for (let i = runs.length - 1; i >= 0; i--) {
      const run = runs[i];
      if (status && run.status !== status) continue;
      if (runId && run.runId !== runId) continue;
      if (attempt !== null && run.attempt !== attempt) continue;
      return run;
    }
    return undefined;
  }

  private push(jobId: string, run: DashboardRun): void {
    const runs = this.runs.get(jobId) ?? [];
    runs.push(run);
    while (runs.length > this.size) {
      const dropped = runs.shift();
      for (const [key, value] of this.open) if (value === dropped) this.open.delete(key);
    }
    this.runs.set(jobId, runs);
  }
}
