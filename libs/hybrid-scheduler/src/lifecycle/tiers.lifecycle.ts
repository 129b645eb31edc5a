import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { HYBRID_SCHEDULER_OPTIONS } from '../hybrid-scheduler.constants.js';
import { TierUnavailableError } from '../errors/index.js';
import type { ResolvedModuleOptions } from '../config/module-options.js';
import type { SchedulerTier, TaskDefinition, TierName } from '../interfaces/index.js';
import { TaskExplorer } from '../discovery/task.explorer.js';
import { TaskRouter, type RoutedTask } from '../classifier/task.router.js';
import { JobRegistry } from '../registry/job.registry.js';
import { jobId } from '../registry/job-id.js';
import { SchedulerTiers } from './scheduler-tiers.js';

/** Shutdown order: the outermost engines first, so that nothing hands work to a tier already stopped. */
const SHUTDOWN_ORDER: TierName[] = ['prefect', 'queue', 'internal'];

/**
 * Discovery and routing in onModuleInit; all tiers start together in onApplicationBootstrap (rolling back the
 * started ones if one fails); triggers stop in beforeApplicationShutdown; work drains in onApplicationShutdown.
 */
@Injectable()
export class TiersLifecycle
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('HybridScheduler');
  private started: SchedulerTier[] = [];
  private shutDown = false;
  /** Each task as declared (what moves back to a recovered tier) and as it was routed. */
  private routes: Array<{ task: TaskDefinition; routed: RoutedTask }> = [];
  /** Stops the background probes of configured tiers that were down at boot. */
  private watchers: Array<() => void> = [];

  constructor(
    @Inject(HYBRID_SCHEDULER_OPTIONS) private readonly options: ResolvedModuleOptions,
    private readonly tiers: SchedulerTiers,
    private readonly explorer: TaskExplorer,
    private readonly router: TaskRouter,
    private readonly registry: JobRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    const tasks = this.explorer.explore();
    const probes = await Promise.all(
      this.tiers.all().map(async (tier) => [tier.name, await tier.probe()] as const),
    );
    for (const [name, availability] of probes) {
      this.tiers.record(name, availability);
      if (!availability.available && name !== 'internal' && this.tiers.isConfigured(name))
        this.logger.warn(`The ${name} tier is not available: ${availability.reason}`);
    }
    for (const task of tasks) {
      const routed = this.router.route(task, this.tiers.snapshot(), this.options.fallback);
      this.tiers.named(routed.tier).register(routed);
      this.routes.push({ task, routed });
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    // An unavailable tier still starts when tasks were routed to it (the queue tier's in-process engine).
    const usable = this.tiers
      .all()
      .filter(
        (tier) => this.tiers.isAvailable(tier.name) || this.routes.some((r) => r.routed.tier === tier.name),
      );
    const results = await Promise.allSettled(usable.map((tier) => tier.start()));
    const failed = results.flatMap((result, i) =>
      result.status === 'rejected' ? [[usable[i], result.reason] as const] : [],
    );
    this.started = usable.filter((_, i) => results[i].status === 'fulfilled');
    if (failed.length) {
      await this.stopTiers(this.started);
      this.started = [];
      const [tier, reason] = failed[0];
      throw new TierUnavailableError(
        `The ${tier.name} tier failed to start: ${reason instanceof Error ? reason.message : String(reason)}` +
          (failed.length > 1
            ? ` (and ${failed
                .slice(1)
                .map(([t]) => t.name)
                .join(', ')})`
            : ''),
        { cause: reason },
      );
    }
    this.logger.log(
      `Tiers running: ${this.started.map((t) => t.name).join(', ') || 'none'}; ${this.registry.ids().length} job(s)`,
    );
    this.watchUnavailableTiers();
  }

  /** Configured tiers that were down at boot keep being probed; when one answers, its tasks move back to it. */
  private watchUnavailableTiers(): void {
    for (const tier of this.tiers.all()) {
      if (this.tiers.isAvailable(tier.name) || !this.tiers.isConfigured(tier.name) || !tier.watchAvailability)
        continue;
      this.logger.warn(`The ${tier.name} tier is configured but unavailable; retrying in the background`);
      this.watchers.push(tier.watchAvailability(() => this.recover(tier)));
    }
  }

  /**
   * Moves the tasks declared for `tier` off their fallback tier (removed there first, so that no tick runs on
   * both), registers them on `tier` and starts it. Throws to be called again if the start fails.
   */
  private async recover(tier: SchedulerTier): Promise<void> {
    if (this.shutDown) return;
    const available = { ...this.tiers.snapshot(), [tier.name]: { available: true } };
    for (const route of this.routes.filter(
      (r) => r.task.declaredTier === tier.name && r.routed.tier !== tier.name,
    )) {
      const fallbackId = jobId(route.routed.tier, route.task.name);
      if (this.registry.has(fallbackId)) await this.tiers.named(route.routed.tier).remove(fallbackId);
      route.routed = this.router.route(route.task, available, this.options.fallback);
      tier.register(route.routed);
    }
    await tier.start();
    this.tiers.record(tier.name, { available: true });
    this.started.push(tier);
    this.logger.log(
      `The ${tier.name} tier is available again; its tasks moved back from their fallback tier`,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const stop of this.watchers.splice(0)) stop();
    for (const tier of this.ordered(this.started)) {
      await tier
        .stopTriggers()
        .catch((error) => this.logger.error(`Stopping the ${tier.name} tier's triggers failed: ${error}`));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.shutDown) return;
    this.shutDown = true;
    for (const stop of this.watchers.splice(0)) stop();
    await this.stopTiers(this.started);
    this.registry.complete();
  }

  private ordered(tiers: SchedulerTier[]): SchedulerTier[] {
    return [...tiers].sort((a, b) => SHUTDOWN_ORDER.indexOf(a.name) - SHUTDOWN_ORDER.indexOf(b.name));
  }

  private async stopTiers(tiers: SchedulerTier[]): Promise<void> {
    for (const tier of this.ordered(tiers)) {
      try {
        await tier.stopTriggers();
        await tier.shutdown();
      } catch (error) {
        this.logger.error(
          `Shutting down the ${tier.name} tier failed: ${error instanceof Error ? error.message : error}`,
        );
      }
    }
  }
}
