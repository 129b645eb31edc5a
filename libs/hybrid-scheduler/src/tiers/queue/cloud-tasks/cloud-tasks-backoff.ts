import type { EngineWorkflow } from '../queue-engine.interface.js';

/** The queue's retry settings in ms, as GetQueue reports them (or as ensureQueue writes them). */
export interface QueueRetry {
  minBackoffMs: number;
  maxBackoffMs: number;
  maxDoublings: number;
}

type Duration =
  { seconds?: number | string | null | { toString(): string }; nanos?: number | null } | null | undefined;
export const durationToMs = (d: Duration): number | undefined =>
  d ? Number(d.seconds?.toString() ?? 0) * 1000 + (d.nanos ?? 0) / 1e6 : undefined;
export const msToDuration = (ms: number) => ({
  seconds: Math.floor(ms / 1000),
  nanos: Math.round((ms % 1000) * 1e6),
});

/** Cloud Tasks' documented defaults (0.1 s, 1 h, 16 doublings). */
export const DEFAULT_QUEUE_RETRY: QueueRetry = {
  minBackoffMs: 100,
  maxBackoffMs: 3_600_000,
  maxDoublings: 16,
};

/** Delay Cloud Tasks waits before retry `n` (n >= 1): doubling `maxDoublings` times, then linear, capped. */
export function cloudTasksRetryDelayMs(retry: QueueRetry, n: number): number {
  const d =
    n - 1 <= retry.maxDoublings
      ? retry.minBackoffMs * 2 ** (n - 1)
      : retry.minBackoffMs * 2 ** retry.maxDoublings * (n - retry.maxDoublings);
  return Math.min(d, retry.maxBackoffMs);
}

/**
 * What `ensureQueue` writes. Retries are queue-wide in Cloud Tasks, so they come from the workflows: the
 * smallest first delay, the largest cap, doubling for exponential backoff. maxAttempts stays unlimited
 * because the push endpoint ends every job itself (2xx after success or after dead-lettering the last
 * attempt), so Cloud Tasks never drops a job while the app is unreachable. The rate is the strictest
 * workflow `rateLimit`.
 */
export function queueConfigFor(workflows: EngineWorkflow[]) {
  const min = Math.max(100, Math.min(...workflows.map((w) => w.backoff.delayMs), 1000));
  const max = Math.max(
    min,
    ...workflows.map(
      (w) => w.backoff.maxDelayMs ?? (w.backoff.type === 'fixed' ? w.backoff.delayMs : 3_600_000),
    ),
  );
  const doublings = workflows.some((w) => w.backoff.type === 'exponential') ? 16 : 0;
  const rates = workflows
    .filter((w) => w.rateLimit)
    .map((w) => (w.rateLimit!.max * 1000) / w.rateLimit!.durationMs);
  return {
    retryConfig: {
      maxAttempts: -1,
      minBackoff: msToDuration(min),
      maxBackoff: msToDuration(max),
      maxDoublings: doublings,
    },
    rateLimits: rates.length ? { maxDispatchesPerSecond: Math.min(500, ...rates) } : undefined,
    retry: { minBackoffMs: min, maxBackoffMs: max, maxDoublings: doublings } satisfies QueueRetry,
  };
}
