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

/** Engine reads that did not answer within the timeout and are still under way, per workflow. */
const unanswered = new WeakMap<JobInfo, Promise<unknown>>();

/**
 * Refreshes a workflow's engine-side fields of its JobInfo (counts, next run) without ever making a caller wait
 * on an outage: while the engine is known to be down, or when it does not answer within `timeoutMs`, the last
 * known values stay, marked `stale: true` with `staleSince`. Once a read went unanswered (a frozen server keeps
 * its connection and answers nothing), later calls answer stale at once until that read settles, instead of
 * each waiting `timeoutMs` again.
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
  if (unanswered.has(info))
    return stale(`the ${provider.name} engine has not answered a read for over ${timeoutMs}ms`);
  const reading = Promise.all([
    provider.counts(name),
    provider.nextRunAt(name),
    provider.pausedInEngine?.(name),
  ]);
  try {
    const [counts, next, paused] = await withTimeout(reading, timeoutMs, () => {
      const settled = () => unanswered.delete(info);
      unanswered.set(info, reading.then(settled, settled));
      return new Error(`the ${provider.name} engine did not answer within ${timeoutMs}ms`);
    });
    info.details = { provider: provider.name, ...counts, ...extra };
    info.nextRunAt = next;
    if (paused !== undefined) info.paused = paused;
  } catch (error) {
    stale(error instanceof Error ? error.message : String(error));
  }
}
