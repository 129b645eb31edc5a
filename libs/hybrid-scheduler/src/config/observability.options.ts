import { bool, custom, text } from './option-kinds.js';
import { block, section } from './option-section.js';

/**
 * What a prom-client `Registry` offers that the metrics need (typed here, so the option types do not require
 * prom-client's own types to be installed).
 */
export interface MetricsRegistry {
  getSingleMetric(name: string): unknown;
  registerMetric(metric: object): void;
  metrics(): Promise<string>;
  readonly contentType: string;
}

const isRegistry = (value: unknown): value is MetricsRegistry =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Partial<MetricsRegistry>).getSingleMetric === 'function' &&
  typeof (value as Partial<MetricsRegistry>).registerMetric === 'function';

const registry = custom<MetricsRegistry>('a prom-client Registry', (value) =>
  isRegistry(value) ? undefined : 'must be a prom-client Registry (new Registry() from prom-client)',
);

const buckets = custom<number[]>('an ascending list of seconds', (value) =>
  Array.isArray(value) &&
  value.length > 0 &&
  value.every((b, i) => typeof b === 'number' && b > 0 && (i === 0 || b > (value[i - 1] as number)))
    ? undefined
    : 'must be a non-empty ascending array of positive numbers (seconds)',
);

/**
 * `metrics`: Prometheus metrics through prom-client (an optional peer, needed once this block is given). The
 * metrics land in prom-client's default registry unless `registry` is given; see docs/observability.md.
 */
export const metricsOptions = block({
  /** Default true once the block is given; false keeps the block but registers nothing. */
  enabled: bool({ default: true, env: 'HYBRID_SCHEDULER_METRICS_ENABLED' }),
  /** Where the metrics are registered (default: prom-client's default registry, `register`). */
  registry: registry({}),
  /** Prefix of every metric name (default `hybrid_scheduler_`). */
  prefix: text({
    default: 'hybrid_scheduler_',
    env: 'HYBRID_SCHEDULER_METRICS_PREFIX',
    check: (prefix) =>
      /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix) ? undefined : 'must match [a-zA-Z_:][a-zA-Z0-9_:]*',
  }),
  /** Histogram buckets in seconds of run duration and lateness (default 0.005 … 600). */
  buckets: buckets({}),
});

/**
 * `tracing`: OpenTelemetry spans through `@opentelemetry/api` (an optional peer). The app brings the SDK; with
 * no SDK registered, or the API not installed, tracing costs nothing and does nothing.
 */
export const tracingOptions = section({
  /** Default true: spans for every enqueue and run when an OpenTelemetry SDK is registered. */
  enabled: bool({ default: true, env: 'HYBRID_SCHEDULER_TRACING_ENABLED' }),
});
