import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  HybridScheduler,
  InternalTask,
  type InternalTaskContext,
  type TierName,
} from 'nestjs-hybrid-scheduler';
import { HybridSchedulerHealthIndicator } from 'nestjs-hybrid-scheduler/health';
import { CacheStore } from './cache.store.js';
import { MetricsCollector } from './metrics.collector.js';
import { SecretInventory } from './secret.inventory.js';
import { TRANSIENT } from '../workflows/workflow.dto.js';

const TIERS: TierName[] = ['internal', 'queue', 'prefect'];

/** The original design's in-process jobs: frequent, fast and tied to this process's lifetime. */
@Injectable()
export class MaintenanceJobs implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Maintenance');
  private lastHealth = new Map<string, string>();
  private stopping = false;

  constructor(
    private readonly scheduler: HybridScheduler,
    private readonly health: HybridSchedulerHealthIndicator,
    private readonly cache: CacheStore,
    private readonly metrics: MetricsCollector,
    private readonly secrets: SecretInventory,
  ) {}

  /**
   * The first check runs once every tier has started and its connections have settled (tiers start in
   * parallel with the internal tier), for at most 5 s; it does not hold up the boot.
   * (`runOnStart` would run it as soon as the internal tier starts, while the queue and Prefect tiers are
   * still connecting, and report them degraded.)
   */
  onApplicationBootstrap(): void {
    void this.settled(5_000)
      .then(async () => {
        if (!this.stopping) await this.scheduler.trigger('internal:health-check');
      })
      .catch((error: Error) => this.logger.warn(`First health check failed: ${error.message}`));
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
  }

  private async settled(withinMs: number): Promise<void> {
    const deadline = Date.now() + withinMs;
    while (!this.stopping && Date.now() < deadline) {
      const statuses = await Promise.all(TIERS.map((tier) => this.statusOf(tier)));
      if (!statuses.includes('degraded')) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async statusOf(tier: TierName): Promise<string> {
    const indicator = Object.values(await this.health.isHealthy(tier))[0];
    return indicator?.configured === false ? 'not configured' : (indicator?.status ?? 'unknown');
  }

  /** Checks every tier and logs only changes, so a flapping dependency is visible without log spam. */
  @InternalTask({ name: 'health-check', every: '30s', timeoutMs: 10_000 })
  async healthCheck(ctx: InternalTaskContext): Promise<void> {
    for (const tier of TIERS) {
      const status = await this.statusOf(tier);
      if (this.lastHealth.get(tier) !== status) ctx.logger.log(`${tier} tier is ${status}`);
      this.lastHealth.set(tier, status);
    }
  }

  @InternalTask({ name: 'metrics-collection', every: '1m' })
  async collectMetrics(): Promise<void> {
    const snapshot = this.metrics.sample(await this.scheduler.listJobs());
    this.logger.debug(
      `rss=${snapshot.rssMb}MB loop p99=${snapshot.eventLoopDelayP99Ms}ms jobs=${snapshot.jobs.total}`,
    );
  }

  @InternalTask({ name: 'cache-cleanup', cron: '0 * * * *' })
  cleanCache(ctx: InternalTaskContext): void {
    const removed = this.cache.sweep();
    ctx.logger.log(`Removed ${removed} expired cache entries; ${this.cache.size} left`);
  }

  @InternalTask({ name: 'secret-rotation-check', cron: '0 3 * * *', catchUp: 'once' })
  checkSecrets(ctx: InternalTaskContext): void {
    const due = this.secrets.due();
    for (const secret of due)
      ctx.logger.warn(`Secret "${secret.name}" is ${secret.ageDays} days old: rotate it`);
    if (due.length === 0) ctx.logger.log('All secrets are within their rotation period');
  }

  /** The original design's DLQ processing: report dead-letter counts, retry those that failed transiently. */
  @InternalTask({ name: 'dlq-processing', every: '5m' })
  async processDeadLetters(ctx: InternalTaskContext): Promise<void> {
    const queued = (await this.scheduler.listJobs()).filter((job) => job.tier === 'queue');
    for (const job of queued) {
      const letters = await this.scheduler.deadLetters(job.name);
      if (letters.length === 0) continue;
      const transient = letters.filter((letter) => letter.error.startsWith(TRANSIENT));
      for (const letter of transient) await this.scheduler.retryDeadLetter(letter.id);
      ctx.logger.warn(
        `${job.name}: ${letters.length} dead letter(s), retried ${transient.length} transient one(s)`,
      );
    }
  }
}
