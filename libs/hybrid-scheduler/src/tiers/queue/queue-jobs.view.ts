import { withTimeout } from '../../common/settle-within.js';
import type { JobInfo } from '../../interfaces/index.js';
import { isDown, type EngineWatch } from '../../common/engine-guard.js';
import type { QueueEngine } from './queue-engine.interface.js';

/** What `refresh` needs of one workflow of the tier. */
export interface ViewedWorkflow {
  name: string;
  provider: QueueEngine;
  info: JobInfo;
  watch?: EngineWatch;
}

/**
 * Refreshes a workflow's engine-side fields of its JobInfo (counts, next run) without ever making a caller wait
 * on an outage: while the engine is known to be down, or when it does not answer within `timeoutMs`, the last
 * known values stay, marked `stale: true` with `staleSince`.
 */
export async function refreshWorkflowInfo(
  workflow: ViewedWorkflow,
  timeoutMs: number,
  extra: Record<string, unknown>,
): Promise<void> {
  const { info, provider, name } = workflow;
  const stale = (reason: string) => {
    const since = workflow.watch?.outage.downSince ?? new Date();
    const previous = info.details?.stale ? info.details.staleSince : since.toISOString();
    info.details = { ...info.details, stale: true, staleSince: previous, staleReason: reason };
  };
  if (isDown(workflow.watch)) return stale(workflow.watch?.outage.lastReason ?? 'the engine is down');
  try {
    const [counts, next, paused] = await withTimeout(
      Promise.all([provider.counts(name), provider.nextRunAt(name), provider.pausedInEngine?.(name)]),
      timeoutMs,
      () => new Error(`the ${provider.name} engine did not answer within ${timeoutMs}ms`),
    );
    info.details = { provider: provider.name, ...counts, ...extra };
    info.nextRunAt = next;
    if (paused !== undefined) info.paused = paused;
  } catch (error) {
    stale(error instanceof Error ? error.message : String(error));
  }
}
