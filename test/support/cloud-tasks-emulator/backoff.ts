import type { Duration, QueueMessage, RetryConfig } from './emulator.types.js';

/** Cloud Tasks' documented defaults for a queue created without a retry config or rate limits. */
export const DEFAULT_RETRY: Required<Omit<RetryConfig, 'maxRetryDuration'>> & { maxRetryDuration: Duration } =
  {
    maxAttempts: 100,
    minBackoff: { seconds: '0', nanos: 100_000_000 },
    maxBackoff: { seconds: '3600', nanos: 0 },
    maxDoublings: 16,
    maxRetryDuration: { seconds: '0', nanos: 0 },
  };
export const DEFAULT_RATE_LIMITS = {
  maxDispatchesPerSecond: 500,
  maxBurstSize: 100,
  maxConcurrentDispatches: 1000,
};

export const durationMs = (d: Duration | undefined): number =>
  d ? Number(d.seconds ?? 0) * 1000 + (d.nanos ?? 0) / 1e6 : 0;
export const toDuration = (ms: number): Duration => ({
  seconds: String(Math.floor(ms / 1000)),
  nanos: Math.round((ms % 1000) * 1e6),
});

/**
 * Delay before retry `n` (n >= 1): doubles from minBackoff `maxDoublings` times, then grows linearly by
 * 2^maxDoublings × minBackoff, capped at maxBackoff (queue.proto). min 10s, max 300s, 3 doublings gives
 * 10, 20, 40, 80, 160, 240, 300 s.
 */
export function retryDelayMs(queue: QueueMessage, n: number): number {
  const retry = queue.retryConfig ?? {};
  const min = durationMs(retry.minBackoff ?? DEFAULT_RETRY.minBackoff);
  const max = durationMs(retry.maxBackoff ?? DEFAULT_RETRY.maxBackoff);
  const doublings = retry.maxDoublings ?? DEFAULT_RETRY.maxDoublings;
  const delay = n - 1 <= doublings ? min * 2 ** (n - 1) : min * 2 ** doublings * (n - doublings);
  return Math.min(delay, max);
}

/** Whether a task that has been attempted `attempts` times since `firstAttemptAt` gets no further try. */
export function retriesExhausted(
  queue: QueueMessage,
  attempts: number,
  firstAttemptAt: number,
  now: number,
): boolean {
  const retry = queue.retryConfig ?? {};
  const maxAttempts = retry.maxAttempts ?? DEFAULT_RETRY.maxAttempts;
  const maxDuration = durationMs(retry.maxRetryDuration);
  // Both limits must be reached when both are set; -1 attempts and a 0 duration mean "no limit" on that axis.
  const attemptsDone = maxAttempts !== -1 && attempts >= maxAttempts;
  const durationDone = maxDuration > 0 && now - firstAttemptAt >= maxDuration;
  if (maxAttempts === -1) return durationDone;
  if (maxDuration === 0) return attemptsDone;
  return attemptsDone && durationDone;
}
