import type { BackoffOptions } from '../../interfaces/index.js';

/** Delay before the next try after attempt `failedAttempt` (1-based) failed: fixed, or doubling, capped. */
export function retryDelayMs(backoff: BackoffOptions, failedAttempt: number): number {
  const raw =
    backoff.type === 'fixed' ? backoff.delayMs : backoff.delayMs * 2 ** Math.max(0, failedAttempt - 1);
  return Math.min(raw, backoff.maxDelayMs ?? Number.MAX_SAFE_INTEGER);
}
