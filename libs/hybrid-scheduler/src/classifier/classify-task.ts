import { InvalidCharacteristicsError } from '../errors/hybrid-scheduler.errors.js';
import type { Classification, TaskCharacteristics, TierName } from '../interfaces/index.js';

/** The values each characteristic may take (checked here and in the decorators' `characteristics` option). */
export const CHARACTERISTIC_VALUES: { readonly [K in keyof TaskCharacteristics]-?: readonly string[] } = {
  frequency: ['high', 'medium', 'low'],
  visibility: ['internal', 'user-facing'],
  complexity: ['simple', 'dag', 'complex'],
  durability: ['ephemeral', 'persistent'],
  infrastructure: ['local', 'distributed'],
};

const show = (value: unknown): string => (typeof value === 'string' ? `"${value}"` : String(value));

/** The first problem with characteristics given at runtime (which one, its value, what was expected), if any. */
export function characteristicsProblem(
  value: unknown,
): { characteristic: string; value: unknown; expected: string } | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { characteristic: 'characteristics', value, expected: "an object such as { frequency: 'high' }" };
  for (const [key, given] of Object.entries(value)) {
    if (given === undefined) continue;
    const allowed: readonly string[] | undefined = CHARACTERISTIC_VALUES[key as keyof TaskCharacteristics];
    if (!allowed)
      return {
        characteristic: key,
        value: given,
        expected: `a known characteristic (${Object.keys(CHARACTERISTIC_VALUES).join(', ')})`,
      };
    if (!allowed.includes(given as string))
      return {
        characteristic: key,
        value: given,
        expected: `one of ${allowed.map((v) => `'${v}'`).join(', ')}`,
      };
  }
  return undefined;
}

/** Where a task goes, in order, when its tier is not available. */
export const FALLBACK_CHAIN: Record<TierName, TierName[]> = {
  prefect: ['queue', 'internal'],
  queue: ['internal'],
  internal: [],
};

/**
 * Picks a tier from a task's characteristics; throws InvalidCharacteristicsError (naming the characteristic and
 * the value) for anything but the documented values. First matching rule wins:
 * 1. frequency high → internal; 2. user-facing → prefect; 3. dag/complex → prefect;
 * 4. persistent or distributed → queue; 5. otherwise → internal.
 */
export function classifyTask(characteristics: TaskCharacteristics): Classification {
  const problem = characteristicsProblem(characteristics);
  if (problem) {
    const what =
      problem.characteristic === 'characteristics'
        ? 'characteristics'
        : `characteristic "${problem.characteristic}"`;
    throw new InvalidCharacteristicsError(
      problem.characteristic,
      problem.value,
      `classifyTask: ${what} = ${show(problem.value)} is invalid: expected ${problem.expected}`,
    );
  }
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
