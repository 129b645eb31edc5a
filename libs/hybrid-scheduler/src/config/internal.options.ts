import { bool, millis, timeZone } from './option-kinds.js';
import { section } from './option-section.js';

/** `internal`: the in-process tier (cron, interval, one-shot timers). */
export const internalOptions = section({
  /** Default true. With false, internal tasks (and fallbacks to this tier) fail at boot. */
  enabled: bool({ default: true, env: 'HYBRID_SCHEDULER_INTERNAL_ENABLED' }),
  /** Default time zone for cron expressions without their own; default UTC. */
  timeZone: timeZone({ default: 'UTC', env: 'HYBRID_SCHEDULER_TIME_ZONE' }),
  /** How long shutdown waits for running internal jobs before aborting their signals (default 10000). */
  shutdownTimeoutMs: millis({ min: 0, default: 10_000, env: 'HYBRID_SCHEDULER_SHUTDOWN_TIMEOUT_MS' }),
});
