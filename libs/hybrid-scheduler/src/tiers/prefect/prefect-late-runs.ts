import type { JobRegistry } from '../../registry/job.registry.js';
import type { PrefectClient } from './prefect.client.js';
import type { PrefectFlowRun } from './prefect.types.js';
import type { DeploymentEntry } from './prefect-worker.types.js';

/** A schedule tick this worker will not run: it was found too late, per its deployment's `catchUp`. */
export interface MissedRun {
  run: PrefectFlowRun;
  entry: DeploymentEntry;
  message: string;
}

const dueAt = (run: PrefectFlowRun): number =>
  Date.parse(run.next_scheduled_start_time ?? run.expected_start_time ?? '');

/**
 * Splits a poll's runs into those to run and the late schedule ticks to skip. Late: an auto-scheduled run due
 * more than `graceMs` ago (not one waiting for a concurrency slot: its time was moved on). `catchUp: 'skip'`
 * (default) skips every late tick; `once` keeps only the most recent due tick of the deployment (`latestDue`,
 * looked up over all its scheduled runs, not just this poll's page); `all` keeps all.
 */
export function sortLateRuns(
  runs: PrefectFlowRun[],
  entryOf: (run: PrefectFlowRun) => DeploymentEntry | undefined,
  graceMs: number,
  latestDue: ReadonlyMap<string, string> = new Map(),
  now = Date.now(),
): { run: PrefectFlowRun[]; missed: MissedRun[] } {
  const keep: PrefectFlowRun[] = [];
  const missed: MissedRun[] = [];
  for (const run of runs) {
    const entry = entryOf(run);
    const catchUp = entry?.task.prefect?.catchUp ?? 'skip';
    if (!entry || !isLate(run, graceMs, now) || catchUp === 'all' || latestDue.get(entry.jobId) === run.id) {
      keep.push(run);
      continue;
    }
    const lateBy = Math.round((now - dueAt(run)) / 1000);
    const why = catchUp === 'once' ? "catchUp: 'once' runs only the most recent one" : "catchUp: 'skip'";
    missed.push({
      run,
      entry,
      message: `Missed: due at ${new Date(dueAt(run)).toISOString()}, found ${lateBy}s late (more than the grace period of ${Math.round(graceMs / 1000)}s; ${why})`,
    });
  }
  return { run: keep, missed };
}

const isLate = (run: PrefectFlowRun, graceMs: number, now: number): boolean =>
  run.auto_scheduled === true && run.state_name !== 'AwaitingConcurrencySlot' && now - dueAt(run) > graceMs;

/** The worker's side of `catchUp`: which polled runs to skip, and skipping them in Prefect. */
export class PrefectLateRuns {
  constructor(
    private readonly client: PrefectClient,
    private readonly registry: JobRegistry,
    private readonly graceMs: number,
  ) {}

  async sort(
    runs: PrefectFlowRun[],
    entryOf: (run: PrefectFlowRun) => DeploymentEntry | undefined,
  ): Promise<PrefectFlowRun[]> {
    const now = Date.now();
    const once = new Map<string, DeploymentEntry>();
    for (const run of runs) {
      const entry = entryOf(run);
      if (entry?.task.prefect?.catchUp === 'once' && isLate(run, this.graceMs, now))
        once.set(entry.jobId, entry);
    }
    const latestDue = new Map<string, string>();
    for (const entry of once.values()) {
      const scheduled = await this.client.filterFlowRuns({
        flow_runs: {
          deployment_id: { any_: [entry.deploymentId] },
          state: { type: { any_: ['SCHEDULED'] } },
        },
        sort: 'EXPECTED_START_TIME_ASC',
        limit: 200,
      });
      const due = scheduled.filter((r) => r.auto_scheduled === true && dueAt(r) <= now);
      const latest = due.reduce<PrefectFlowRun | undefined>(
        (a, r) => (!a || dueAt(r) > dueAt(a) ? r : a),
        undefined,
      );
      if (latest) latestDue.set(entry.jobId, latest.id);
    }
    const { run, missed } = sortLateRuns(runs, entryOf, this.graceMs, latestDue, now);
    await Promise.all(missed.map((m) => this.skip(m)));
    return run;
  }

  /**
   * CANCELLED, not forced: of two workers that found the same late run, one gets ACCEPT (and reports it as
   * missed), the other ABORT (the run is already terminal).
   */
  private async skip({ run, entry, message }: MissedRun): Promise<void> {
    const result = await this.client.setState(run.id, { type: 'CANCELLED', name: 'Missed', message });
    if (result.status !== 'ACCEPT') return;
    this.registry.emit({
      type: 'missed',
      jobId: entry.jobId,
      tier: 'prefect',
      name: entry.task.name,
      runId: run.id,
      scheduledAt: new Date(dueAt(run)),
      reason: message,
    });
  }
}
