import type { RecentRun, RecentRunStatus } from '../../interfaces/index.js';
import { redact } from '../../common/redact.js';
import type { PrefectClient } from './prefect.client.js';
import type { PrefectFlowRun, StateType } from './prefect.types.js';

const STATUS: Partial<Record<StateType, RecentRunStatus>> = {
  RUNNING: 'running',
  CANCELLING: 'running',
  COMPLETED: 'succeeded',
  FAILED: 'failed',
  CRASHED: 'failed',
  CANCELLED: 'cancelled',
};
const at = (iso: string | null | undefined): Date | null => (iso ? new Date(iso) : null);

function recentRun(run: PrefectFlowRun): RecentRun {
  const type = run.state?.type ?? run.state_type ?? null;
  const status = (type && STATUS[type]) || 'running';
  const startedAt = at(run.start_time);
  const finishedAt = status === 'running' ? null : at(run.end_time);
  const message = run.state?.message;
  return {
    id: run.id,
    status,
    ...(run.state?.name || run.state_name ? { state: run.state?.name ?? run.state_name ?? undefined } : {}),
    attempts: run.run_count,
    createdAt: null,
    scheduledAt: at(run.expected_start_time),
    startedAt,
    finishedAt,
    durationMs: startedAt && finishedAt ? finishedAt.getTime() - startedAt.getTime() : null,
    ...(status !== 'succeeded' && status !== 'running' && message ? { error: redact(message) } : {}),
  };
}

/**
 * The deployment's flow runs that started (running or ended, by whichever worker), newest start first, as
 * Prefect's UI lists them: `POST /flow_runs/filter` by deployment id, sorted START_TIME_DESC.
 */
export async function prefectRecentRuns(
  client: PrefectClient,
  deploymentId: string,
  limit: number,
): Promise<RecentRun[]> {
  const runs = await client.filterFlowRuns({
    flow_runs: { deployment_id: { any_: [deploymentId] }, start_time: { is_null_: false } },
    sort: 'START_TIME_DESC',
    limit,
  });
  return runs.map(recentRun);
}
