import type { Logger } from '@nestjs/common';
import { TaskCancelledError } from '../../errors/index.js';
import type { PrefectClient } from './prefect.client.js';
import type { ActiveRun } from './prefect-worker.types.js';

/**
 * One `POST /flow_runs/filter` for the in-flight runs (waiting or running) that someone moved to CANCELLING or
 * CANCELLED in Prefect (UI, CLI, automation): their signal aborts, and the executor finishes the cancellation.
 * Resolves false when there was nothing to ask about.
 */
export async function abortCancelled(
  client: PrefectClient,
  runs: ActiveRun[],
  logger: Logger,
): Promise<boolean> {
  const watched = runs.filter((run) => run.phase === 'waiting' || run.phase === 'running');
  if (!watched.length) return false;
  const cancelling = await client.filterFlowRuns({
    flow_runs: {
      id: { any_: watched.map((run) => run.flowRunId) },
      state: { type: { any_: ['CANCELLING', 'CANCELLED'] } },
    },
    limit: watched.length,
  });
  for (const found of cancelling) {
    const active = watched.find((run) => run.flowRunId === found.id);
    if (!active || active.controller.signal.aborted) continue;
    logger.log(`Flow run ${found.id} is ${found.state_type ?? 'CANCELLING'} in Prefect; aborting it`);
    active.abortKind = 'cancel';
    active.controller.abort(new TaskCancelledError(`Flow run ${found.id} was cancelled in Prefect`));
  }
  return true;
}
