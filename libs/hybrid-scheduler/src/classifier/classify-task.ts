import type { Classification, TaskCharacteristics, TierName } from '../interfaces/index.js';

/** Where a task goes, in order, when its tier is not available. */
export const FALLBACK_CHAIN: Record<TierName, TierName[]> = {
  prefect: ['queue', 'internal'],
  queue: ['internal'],
  internal: [],
};

/**
 * Picks a tier from a task's characteristics. First matching rule wins:
 * 1. frequency high → internal; 2. user-facing → prefect; 3. dag/complex → prefect;
 * 4. persistent or distributed → queue; 5. otherwise → internal.
 */
export function classifyTask(characteristics: TaskCharacteristics): Classification {
  const c = characteristics;
  const pick = (tier: TierName, reasons: string[]): Classification => ({
    tier,
    reasons,
    fallbacks: FALLBACK_CHAIN[tier],
  });

  if (c.frequency === 'high') {
    const reasons = ['Runs more often than once a minute, which only the in-process tier handles well.'];
    if (c.visibility === 'user-facing') {
      reasons.push('It is user-facing, but Prefect is not meant for sub-minute schedules.');
    }
    if (c.durability === 'persistent') {
      reasons.push('It is persistent, but queues are not meant for sub-minute schedules.');
    }
    return pick('internal', reasons);
  }
  if (c.visibility === 'user-facing') {
    return pick('prefect', ['User-facing work needs a UI, run history and retries: Prefect.']);
  }
  if (c.complexity === 'dag' || c.complexity === 'complex') {
    return pick('prefect', [`A ${c.complexity} workflow benefits from Prefect's orchestration and UI.`]);
  }
  if (c.durability === 'persistent' || c.infrastructure === 'distributed') {
    const why = [
      c.durability === 'persistent' ? 'it must survive restarts' : undefined,
      c.infrastructure === 'distributed' ? 'it may run on any replica' : undefined,
    ].filter(Boolean);
    return pick('queue', [`A durable queue fits because ${why.join(' and ')}.`]);
  }
  return pick('internal', ['Ephemeral, local and not user-facing: in-process is simplest.']);
}
