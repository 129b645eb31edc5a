import type { RecentRun, RecentRuns } from '../interfaces/index.js';
import { MAX_STACK, type DashboardRun } from './run-history.js';

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** What the runs panel says of the engine's history: who keeps it, or why nothing does, or why it was not read. */
export interface EngineHistoryNote {
  keptBy: string | null;
  runs: number;
  notKept: string | null;
  error: string | null;
}

/**
 * An engine's run as a row of the runs panel. Due as this process's rows have it: when the job was due, else
 * when it was added. Lateness only for a first try: a retry starts after its backoff.
 */
function engineRow(run: RecentRun, keptBy: string): DashboardRun {
  const due = run.scheduledAt ?? run.createdAt;
  const lateness =
    run.attempts <= 1 && due && run.startedAt ? Math.max(0, run.startedAt.getTime() - due.getTime()) : null;
  return {
    runId: run.id,
    attempt: run.attempts || null,
    status: run.status,
    at: (run.startedAt ?? run.finishedAt ?? run.createdAt ?? new Date(0)).toISOString(),
    scheduledAt: iso(due),
    latenessMs: lateness,
    durationMs: run.durationMs,
    error: run.error ?? null,
    stack: run.stack ? run.stack.slice(0, MAX_STACK) : null,
    reason: run.state && run.state.toLowerCase() !== run.status ? run.state : null,
    from: keptBy,
  };
}

/**
 * This process's runs with the engine's, newest first, at most `size`: an engine run that this process also saw
 * (same run id) is left to the process's rows, which have every attempt.
 */
export function mergeRuns(own: DashboardRun[], engine: RecentRuns | null, size: number): DashboardRun[] {
  if (!engine?.keptBy || engine.runs.length === 0) return own.slice(0, size);
  const seen = new Set(own.flatMap((run) => (run.runId ? [run.runId] : [])));
  const keptBy = engine.keptBy;
  const theirs = engine.runs.filter((run) => !seen.has(run.id)).map((run) => engineRow(run, keptBy));
  return [...own, ...theirs].sort((a, b) => Date.parse(b.at) - Date.parse(a.at)).slice(0, size);
}
