import { HybridSchedulerError } from '../../errors/index.js';
import { show } from '../../errors/messages.js';
import type { EnqueueOptions } from '../../interfaces/index.js';

/** Thrown by `enqueueWorkflow` for invalid EnqueueOptions; nothing was enqueued. */
export class InvalidEnqueueOptionsError extends HybridSchedulerError {}

const KNOWN = ['delayMs', 'runAt', 'idempotencyKey', 'priority'];

/** The documented limit of `delayMs` and of how far ahead `runAt` may be: 365 days (engines may set less). */
export const MAX_ENQUEUE_DELAY_MS = 365 * 24 * 60 * 60 * 1000;

/** Rejects options that an engine would silently ignore or misread, naming the workflow, option and value. */
export function checkEnqueueOptions(
  workflow: string,
  options: EnqueueOptions,
  maxDelayMs = MAX_ENQUEUE_DELAY_MS,
): void {
  const fail = (option: string, value: unknown, expected: string): never => {
    throw new InvalidEnqueueOptionsError(
      `enqueueWorkflow("${workflow}"): option "${option}" = ${show(value)} is invalid: ${expected}; nothing was enqueued`,
    );
  };
  for (const key of Object.keys(options))
    if (!KNOWN.includes(key))
      fail(key, (options as Record<string, unknown>)[key], `unknown option; known: ${KNOWN.join(', ')}`);
  const { delayMs, runAt, idempotencyKey, priority } = options;
  if (delayMs !== undefined && (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0))
    fail('delayMs', delayMs, 'expected a number of ms ≥ 0');
  if (delayMs !== undefined && delayMs > maxDelayMs)
    fail('delayMs', delayMs, `at most ${maxDelayMs} (${maxDelayMs / 86_400_000} days)`);
  if (runAt !== undefined && (!(runAt instanceof Date) || Number.isNaN(runAt.getTime())))
    fail('runAt', runAt, 'expected a valid Date');
  if (runAt instanceof Date && runAt.getTime() - Date.now() > maxDelayMs)
    fail('runAt', runAt.toISOString(), `at most ${maxDelayMs / 86_400_000} days ahead`);
  if (runAt !== undefined && delayMs !== undefined)
    fail('runAt', runAt?.toISOString(), 'give either delayMs or runAt, not both');
  if (
    idempotencyKey !== undefined &&
    (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0 || idempotencyKey.length > 256)
  ) {
    fail('idempotencyKey', idempotencyKey, 'expected a non-empty string of at most 256 characters');
  }
  if (priority !== undefined && (!Number.isInteger(priority) || priority < 1 || priority > 2_097_152))
    fail('priority', priority, 'expected a whole number from 1 (highest) to 2097152');
}
