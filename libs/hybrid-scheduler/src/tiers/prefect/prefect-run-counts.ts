import type { PrefectClient } from './prefect.client.js';
import type { StateType } from './prefect.types.js';
import type { DeploymentEntry } from './prefect-worker.types.js';

/** How many flow runs of one deployment Prefect holds in one state. */
export interface FlowRunCount {
  /** The deployment's task name (`flow/deployment`), as `runs_total` labels its runs. */
  deployment: string;
  state: StateType;
  /** Prefect's state name: `Late` and `AwaitingRetry` are SCHEDULED, `Retrying` is RUNNING, … */
  stateName: string;
  count: number;
}

/** History from the epoch to a century ahead in one interval: every run of the deployment, whatever its time. */
const HISTORY_START = new Date(0).toISOString();
const CENTURY_MS = 100 * 365 * 86_400_000;

/**
 * The flow runs of each deployment by state, in one `POST /flow_runs/history` per deployment: a single
 * interval spanning all time, which Prefect answers with the count of runs per state type and name (one
 * aggregate query, never one request per run). Runs without an expected start time are not in it.
 */
export async function readFlowRunCounts(
  client: PrefectClient,
  entries: DeploymentEntry[],
  timeoutMs: number,
): Promise<FlowRunCount[]> {
  const end = Date.now() + CENTURY_MS;
  const perDeployment = await Promise.all(
    entries.map(async (entry) => {
      const intervals = await client.flowRunHistory(
        {
          history_start: HISTORY_START,
          history_end: new Date(end).toISOString(),
          history_interval_seconds: Math.ceil(end / 1000),
          deployments: { id: { any_: [entry.deploymentId] } },
        },
        timeoutMs,
      );
      return intervals.flatMap((interval) =>
        interval.states.map((s) => ({
          deployment: entry.task.name,
          state: s.state_type,
          stateName: s.state_name,
          count: s.count_runs,
        })),
      );
    }),
  );
  return perDeployment.flat();
}
