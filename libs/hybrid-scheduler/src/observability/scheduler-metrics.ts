import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PromClientModule } from './prom-client.loader.js';

/** Default buckets (seconds) of run duration and lateness: 5 ms … 10 min. */
export const DEFAULT_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600,
];

/** What one app reports when a registry is scraped (its engines' counts, tier states, fallbacks). */
export interface ScrapeSource {
  queueJobs(): Promise<Array<{ workflow: string; engine: string; state: string; value: number }>>;
  tierStatus(): Promise<Array<{ tier: string; value: number }>>;
  prefectFlowRuns(): Promise<Array<{ deployment: string; state: string; state_name: string; value: number }>>;
  fallbacks(): Array<{ declared_tier: string; running_tier: string; value: number }>;
  inProgress(): Array<{ tier: string; job: string; value: number }>;
  /** Hands the counts gathered since the last scrape to the metrics (counters are batched off the hot path). */
  flush(): void;
}

/**
 * The apps feeding one registry. Metrics are registered once per registry and name (a second import of the
 * module, or a second app in the process, finds them there); their collect-on-scrape reads every live app.
 */
const sourcesOf = new WeakMap<object, Set<ScrapeSource>>();

export interface SchedulerMetrics {
  runs: Counter<'tier' | 'job' | 'status'>;
  duration: Histogram<'tier' | 'job' | 'status'>;
  lateness: Histogram<'tier' | 'job'>;
  lastSuccess: Gauge<'tier' | 'job'>;
  healthChecks: Counter<'tier' | 'status'>;
  healthDuration: Histogram<'tier'>;
  sources: Set<ScrapeSource>;
}

const gaugeValues = async (
  gauge: Gauge<string>,
  read: (source: ScrapeSource) => Promise<Array<Record<string, string | number>>>,
  sources: Set<ScrapeSource>,
  sum: boolean,
): Promise<void> => {
  const rows = (await Promise.all([...sources].map((source) => read(source).catch(() => [])))).flat();
  const values = new Map<string, { labels: Record<string, string>; value: number }>();
  for (const { value, ...labels } of rows) {
    const key = JSON.stringify(labels);
    const previous = values.get(key);
    const labelText = labels as Record<string, string>;
    values.set(key, {
      labels: labelText,
      value: sum && previous ? previous.value + Number(value) : Number(value),
    });
  }
  gauge.reset();
  for (const { labels, value } of values.values()) gauge.set(labels, value);
};

/** The library's metrics in `registry`, created on first use and reused afterwards (never registered twice). */
export function schedulerMetrics(
  prom: PromClientModule,
  registry: Registry,
  prefix: string,
  buckets: number[] = DEFAULT_BUCKETS,
): SchedulerMetrics {
  let sources = sourcesOf.get(registry);
  if (!sources) sourcesOf.set(registry, (sources = new Set()));
  const all = sources;
  const registers = [registry];
  // Health checks happen on scrape (through the cached tier read): their own metrics wait for it too.
  const readTiers = async (): Promise<void> => {
    await Promise.all([...all].map((source) => source.tierStatus().catch(() => [])));
  };
  const flushAll = (): void => {
    for (const source of all) source.flush();
  };
  const once = <M>(name: string, create: (name: string) => M): M =>
    (registry.getSingleMetric(prefix + name) as M | undefined) ?? create(prefix + name);

  once(
    'queue_jobs',
    (name) =>
      new prom.Gauge({
        name,
        help: 'Jobs of each queued workflow by engine and state (waiting, active, delayed, dead), read on scrape',
        labelNames: ['workflow', 'engine', 'state'],
        registers,
        async collect() {
          await gaugeValues(this, (s) => s.queueJobs(), all, false);
        },
      }),
  );
  once(
    'prefect_flow_runs',
    (name) =>
      new prom.Gauge({
        name,
        help: 'Flow runs Prefect holds for each deployment of the app, by state type and name, read on scrape',
        labelNames: ['deployment', 'state', 'state_name'],
        registers,
        async collect() {
          await gaugeValues(this, (s) => s.prefectFlowRuns(), all, false);
        },
      }),
  );
  once(
    'tier_status',
    (name) =>
      new prom.Gauge({
        name,
        help: 'State of each configured tier: 1 up, 0.5 degraded, 0 down',
        labelNames: ['tier'],
        registers,
        async collect() {
          await gaugeValues(this, (s) => s.tierStatus(), all, false);
        },
      }),
  );
  once(
    'tasks_on_fallback',
    (name) =>
      new prom.Gauge({
        name,
        help: 'Tasks running on another tier than the one they declare',
        labelNames: ['declared_tier', 'running_tier'],
        registers,
        async collect() {
          await gaugeValues(this, async (s) => s.fallbacks(), all, true);
        },
      }),
  );
  once(
    'runs_in_progress',
    (name) =>
      new prom.Gauge({
        name,
        help: 'Runs of each job this process is executing now',
        labelNames: ['tier', 'job'],
        registers,
        async collect() {
          await gaugeValues(this, async (s) => s.inProgress(), all, true);
        },
      }),
  );
  return {
    sources: all,
    runs: once(
      'runs_total',
      (name) =>
        new prom.Counter({
          name,
          help: 'Run outcomes by tier, job and status (started, succeeded, failed, skipped, missed, retrying, dead_lettered, cancelled)',
          labelNames: ['tier', 'job', 'status'],
          registers,
          collect: flushAll,
        }),
    ),
    duration: once(
      'run_duration_seconds',
      (name) =>
        new prom.Histogram({
          name,
          help: 'Duration of finished runs by tier, job and status',
          labelNames: ['tier', 'job', 'status'],
          buckets,
          registers,
        }),
    ),
    lateness: once(
      'run_lateness_seconds',
      (name) =>
        new prom.Histogram({
          name,
          help: 'Start time minus due time of each run (a queued job: minus its enqueue or delayed time)',
          labelNames: ['tier', 'job'],
          buckets,
          registers,
        }),
    ),
    lastSuccess: once(
      'job_last_success_timestamp_seconds',
      (name) =>
        new prom.Gauge({
          name,
          help: 'Unix time of the last successful run of each job',
          labelNames: ['tier', 'job'],
          registers,
          collect: flushAll,
        }),
    ),
    healthChecks: once(
      'health_checks_total',
      (name) =>
        new prom.Counter({
          name,
          help: 'Tier health checks by tier and result (up, degraded, down)',
          labelNames: ['tier', 'status'],
          registers,
          collect: readTiers,
        }),
    ),
    healthDuration: once(
      'health_check_duration_seconds',
      (name) =>
        new prom.Histogram({
          name,
          help: 'Duration of tier health checks',
          labelNames: ['tier'],
          buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
          registers,
          collect: readTiers,
        }),
    ),
  };
}
