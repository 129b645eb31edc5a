import { internalOptions } from './internal.options.js';
import { metricsOptions, tracingOptions } from './observability.options.js';
import { millis, oneOf } from './option-kinds.js';
import { section } from './option-section.js';
import { prefectOptions } from './prefect.options.js';
import { queueOptions } from './queue.options.js';

/**
 * The one description of `HybridSchedulerModule` options: the option types (module-options.ts), their validation
 * and defaults (validate-options.ts) and the `HYBRID_SCHEDULER_*` variables (env.ts) all derive from it.
 */
export const moduleOptions = section({
  internal: internalOptions,
  queue: queueOptions,
  prefect: prefectOptions,
  metrics: metricsOptions,
  tracing: tracingOptions,
  /** When a declared tier is unavailable: route down the chain with a warning (default) or refuse to boot. */
  fallback: oneOf(['degrade', 'fail'], { default: 'degrade', env: 'HYBRID_SCHEDULER_FALLBACK' }),
  /**
   * How long a facade call that needs an engine known to be down (an outage) waits for it before it fails with
   * `TierUnavailableError` (default 3000). listJobs()/getJob() never wait: they answer from the last known state.
   */
  unavailableTimeoutMs: millis({ min: 0, default: 3_000, env: 'HYBRID_SCHEDULER_UNAVAILABLE_TIMEOUT_MS' }),
});
