import { redactDeep } from '../../common/redact.js';
import type { TierHealth } from '../../interfaces/index.js';
import type { JobRegistry } from '../../registry/job.registry.js';
import type { PrefectClient } from './prefect.client.js';
import type { DeploymentEntry } from './prefect-run.executor.js';
import type { PrefectSettings } from './prefect-tier.settings.js';
import type { PrefectWorker } from './prefect.worker.js';

const age = (at: Date | null): number | null => (at ? Date.now() - at.getTime() : null);

/** What `listJobs()` and health show of the Prefect tier: next scheduled runs, last state, poll and heartbeat ages. */
export class PrefectJobsView {
  constructor(
    private readonly client: PrefectClient,
    private readonly registry: JobRegistry,
  ) {}

  /** While Prefect is known to be down (`downSince`), answers at once: the last known state, marked stale. */
  async refresh(entries: DeploymentEntry[], downSince?: Date): Promise<void> {
    if (downSince) {
      for (const entry of entries.filter((e) => this.registry.has(e.jobId))) {
        const info = this.registry.info(entry.jobId);
        info.details = { ...info.details, stale: true, staleSince: downSince.toISOString() };
      }
      return;
    }
    await Promise.all(
      entries.map(async (entry) => {
        const [deployment, next, last] = await Promise.all([
          this.client.readDeployment(entry.deploymentId),
          this.client.filterFlowRuns({
            flow_runs: {
              deployment_id: { any_: [entry.deploymentId] },
              // PENDING: claimed ahead of time by a worker (its prefetch) but not started; still the next run.
              state: { type: { any_: ['SCHEDULED', 'PENDING'] } },
            },
            sort: 'EXPECTED_START_TIME_ASC',
            limit: 3,
          }),
          this.client.filterFlowRuns({
            flow_runs: {
              deployment_id: { any_: [entry.deploymentId] },
              state: { type: { any_: ['RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED'] } },
            },
            sort: 'EXPECTED_START_TIME_DESC',
            limit: 1,
          }),
        ]);
        if (!this.registry.has(entry.jobId)) return;
        const info = this.registry.info(entry.jobId);
        if (deployment) info.paused = deployment.paused;
        const nextRuns = next.map((run) => ({
          id: run.id,
          name: run.name,
          at: run.next_scheduled_start_time ?? run.expected_start_time,
        }));
        info.nextRunAt = nextRuns[0]?.at ? new Date(nextRuns[0].at) : null;
        const { stale: _stale, staleSince: _since, ...fresh } = info.details ?? {};
        info.details = {
          ...fresh,
          deploymentId: entry.deploymentId,
          nextRuns,
          lastState: last[0] ? (last[0].state_name ?? last[0].state_type ?? null) : null,
          lastStateType: last[0]?.state_type ?? null,
          lastFlowRunId: last[0]?.id ?? null,
        };
      }),
    );
  }

  /** `down` when `/health` fails, `degraded` when polls or heartbeats are overdue, else `up`. */
  async health(settings: PrefectSettings, worker: PrefectWorker, started: boolean): Promise<TierHealth> {
    return redactDeep(await this.check(settings, worker, started));
  }

  private async check(
    settings: PrefectSettings,
    worker: PrefectWorker,
    started: boolean,
  ): Promise<TierHealth> {
    const details: Record<string, unknown> = {
      apiUrl: this.client.apiUrl,
      workPool: settings.workPool,
      worker: settings.registerOnly ? null : settings.workerName,
      running: worker.running,
      lastPollAgeMs: age(worker.lastPollAt),
      lastHeartbeatAgeMs: age(worker.lastHeartbeatAt),
      lastError: worker.connection.lastError,
      ...(worker.connection.downSince ? { downSince: worker.connection.downSince.toISOString() } : {}),
      results: { ...worker.results },
    };
    try {
      await this.client.health(Math.min(settings.requestTimeoutMs, 5_000));
    } catch (error) {
      return {
        status: 'down',
        details: { ...details, error: error instanceof Error ? error.message : String(error) },
      };
    }
    // /health is exempt from basic auth: a wrong auth string shows only in the worker's authenticated calls.
    if (worker.connection.authFailed)
      return { status: 'down', details: { ...details, error: worker.connection.lastError } };
    if (!started || settings.registerOnly) return { status: 'up', details };
    const pollLate = (age(worker.lastPollAt) ?? Infinity) > 3 * settings.pollIntervalMs;
    const heartbeatLate = (age(worker.lastHeartbeatAt) ?? Infinity) > 3 * settings.heartbeatIntervalMs;
    return {
      status: pollLate || heartbeatLate ? 'degraded' : 'up',
      details: { ...details, pollLate, heartbeatLate },
    };
  }
}
