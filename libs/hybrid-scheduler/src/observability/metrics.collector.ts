import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type { Subscription } from 'rxjs';
import { HYBRID_SCHEDULER_OPTIONS } from '../hybrid-scheduler.constants.js';
import type { ResolvedModuleOptions } from '../config/module-options.js';
import type { JobEvent, TierHealth } from '../interfaces/index.js';
import { JobRegistry } from '../registry/job.registry.js';
import { SchedulerTiers } from '../lifecycle/scheduler-tiers.js';
import { loadPromClient } from './prom-client.loader.js';
import { schedulerMetrics, type SchedulerMetrics, type ScrapeSource } from './scheduler-metrics.js';
import { CachedRead } from './cached-read.js';
import { JobSeries } from './job-series.js';

/** How long a scrape reuses the engine counts and tier health read by the previous one. */
export const SCRAPE_CACHE_MS = 5_000;
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'dead'] as const;
const STATUS_VALUE: Record<TierHealth['status'], number> = { up: 1, degraded: 0.5, down: 0, disabled: 0 };

/**
 * Prometheus metrics of one app (with `metrics` given): run counters and histograms fed by the JobEvent stream;
 * engine counts, Prefect flow-run counts, tier states and fallbacks read when the registry is scraped, through a
 * short cache so a scrape costs at most one counts read per workflow or deployment and one health check per tier
 * every SCRAPE_CACHE_MS.
 */
@Injectable()
export class MetricsCollector implements OnModuleInit, BeforeApplicationShutdown, ScrapeSource {
  private metrics?: SchedulerMetrics;
  private subscription?: Subscription;
  private readonly queueRead = new CachedRead(SCRAPE_CACHE_MS, () => this.readQueueJobs());
  private readonly tierRead = new CachedRead(SCRAPE_CACHE_MS, () => this.readTierStatus());
  private readonly prefectRead = new CachedRead(SCRAPE_CACHE_MS, () => this.readPrefectFlowRuns());
  /** Per tier and job: its label sets, and the run counts and last success gathered since the last scrape. */
  private readonly series = new Map<string, Map<string, JobSeries>>();

  constructor(
    @Inject(HYBRID_SCHEDULER_OPTIONS) private readonly options: ResolvedModuleOptions,
    private readonly registry: JobRegistry,
    private readonly tiers: SchedulerTiers,
  ) {}

  onModuleInit(): void {
    const options = this.options.metrics;
    if (!options?.enabled) return;
    const prom = loadPromClient();
    // A registry from the options is a prom-client Registry (checked at boot); MetricsRegistry is its public face.
    const target = (options.registry as Registry | undefined) ?? prom.register;
    this.metrics = schedulerMetrics(prom, target, options.prefix, options.buckets);
    this.metrics.sources.add(this);
    this.subscription = this.registry.events$.subscribe((event) => this.record(event));
  }

  beforeApplicationShutdown(): void {
    this.subscription?.unsubscribe();
    if (this.metrics) this.flush();
    this.metrics?.sources.delete(this);
  }

  flush(): void {
    const m = this.metrics!;
    for (const jobs of this.series.values()) {
      for (const series of jobs.values()) {
        for (const status of series.statuses.values()) {
          if (status.count === 0) continue;
          m.runs.inc(status.labels, status.count);
          status.count = 0;
        }
        if (series.lastSuccessAt === undefined) continue;
        m.lastSuccess.set(series.labels, series.lastSuccessAt);
        series.lastSuccessAt = undefined;
      }
    }
  }

  private record(event: JobEvent): void {
    const m = this.metrics!;
    const series = this.seriesOf(event.tier, event.name);
    const status = series.statusOf(event.type === 'dead-lettered' ? 'dead_lettered' : event.type);
    // Counters are summed here and handed to prom-client on scrape, and each job's label objects are built once:
    // two Map lookups per event instead of a label-set hash and new label objects per update.
    status.count++;
    if (event.type === 'started' && event.scheduledAt) {
      m.lateness.observe(series.labels, Math.max(0, event.at.getTime() - event.scheduledAt.getTime()) / 1000);
    } else if (event.durationMs !== undefined) {
      m.duration.observe(status.labels, event.durationMs / 1000);
      if (event.type === 'succeeded') series.lastSuccessAt = event.at.getTime() / 1000;
    }
  }

  private seriesOf(tier: string, job: string): JobSeries {
    let jobs = this.series.get(tier);
    if (!jobs) this.series.set(tier, (jobs = new Map()));
    let series = jobs.get(job);
    if (!series) jobs.set(job, (series = new JobSeries(tier, job)));
    return series;
  }

  queueJobs(): Promise<Array<{ workflow: string; engine: string; state: string; value: number }>> {
    return this.queueRead.get();
  }

  tierStatus(): Promise<Array<{ tier: string; value: number }>> {
    return this.tierRead.get();
  }

  prefectFlowRuns(): Promise<
    Array<{ deployment: string; state: string; state_name: string; value: number }>
  > {
    return this.prefectRead.get();
  }

  fallbacks(): Array<{ declared_tier: string; running_tier: string; value: number }> {
    const counts = new Map<string, number>();
    for (const { info } of this.registry.all()) {
      if (info.declaredTier === info.tier) continue;
      const key = `${info.declaredTier}\0${info.tier}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts].map(([key, value]) => {
      const [declared_tier = '', running_tier = ''] = key.split('\0');
      return { declared_tier, running_tier, value };
    });
  }

  inProgress(): Array<{ tier: string; job: string; value: number }> {
    return this.registry.all().map(({ info }) => ({ tier: info.tier, job: info.name, value: info.running }));
  }

  private async readQueueJobs(): Promise<
    Array<{ workflow: string; engine: string; state: string; value: number }>
  > {
    const records = this.registry.all().filter((r) => r.info.tier === 'queue');
    await this.tiers.queue.refresh(records.map((r) => r.info.id));
    return records.flatMap(({ info }) => {
      const details = info.details ?? {};
      const engine = typeof details.provider === 'string' ? details.provider : 'unknown';
      return QUEUE_STATES.flatMap((state) =>
        typeof details[state] === 'number'
          ? [{ workflow: info.name, engine, state, value: details[state] }]
          : [],
      );
    });
  }

  /** Nothing without a Prefect tier that answered at boot; a failed read leaves the gauge empty for the scrape. */
  private async readPrefectFlowRuns(): Promise<
    Array<{ deployment: string; state: string; state_name: string; value: number }>
  > {
    if (!this.tiers.isAvailable('prefect')) return [];
    const counts = await this.tiers.prefect('read flow-run counts').flowRunCounts();
    return counts.map(({ deployment, state, stateName, count }) => ({
      deployment,
      state,
      state_name: stateName,
      value: count,
    }));
  }

  private async readTierStatus(): Promise<Array<{ tier: string; value: number }>> {
    const m = this.metrics!;
    return Promise.all(
      this.tiers.all().map(async (tier) => {
        if (!this.tiers.isAvailable(tier.name)) return { tier: tier.name, value: 0 };
        const stop = m.healthDuration.startTimer({ tier: tier.name });
        const status = await tier.health().then(
          (health) => health.status,
          () => 'down' as const,
        );
        stop();
        m.healthChecks.inc({ tier: tier.name, status });
        return { tier: tier.name, value: STATUS_VALUE[status] };
      }),
    );
  }
}
