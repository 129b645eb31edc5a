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
import type { SchedulerTier, TierName } from '../interfaces/index.js';
import { TaskExplorer } from '../discovery/task.explorer.js';
import { TaskRouter } from '../classifier/task.router.js';
import { JobRegistry } from '../registry/job.registry.js';
import { SchedulerTiers } from './scheduler-tiers.js';
import { FallbackRecovery, type TaskRoute } from './fallback-recovery.js';
import { settleWithin } from '../common/settle-within.js';

/** How long shutdown waits for a tier's recovery start under way before stopping the others. */
const RECOVERY_WAIT_MS = 5_000;

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
  private routes: TaskRoute[] = [];
  /** Stops the background probes of configured tiers that were down at boot. */
  private watchers: Array<() => void> = [];
  private readonly recovery: FallbackRecovery;
  /** The last recovery of a tier that was down at boot (its start may be under way when the app shuts down). */
  private recovering?: Promise<unknown>;

  constructor(
    @Inject(HYBRID_SCHEDULER_OPTIONS) private readonly options: ResolvedModuleOptions,
    private readonly tiers: SchedulerTiers,
    private readonly explorer: TaskExplorer,
    private readonly router: TaskRouter,
    private readonly registry: JobRegistry,
  ) {
    this.recovery = new FallbackRecovery(tiers, router, registry, options.fallback);
  }

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
   * Moves the tasks declared for `tier` back from their fallback tier (each registered on `tier` first, then
   * removed from its fallback before `tier` starts, so that no tick runs on both) and starts `tier`. Throws to
   * be called again if the start fails; resolves false while some task stays on its fallback (tried again at the
   * next check).
   */
  private recover(tier: SchedulerTier): Promise<boolean> {
    const run = this.recoverNow(tier);
    this.recovering = run.catch(() => undefined);
    return run;
  }

  private async recoverNow(tier: SchedulerTier): Promise<boolean> {
    if (this.shutDown) return true;
    const { moved, kept, paused } = await this.recovery.moveBack(this.routes, tier);
    const staying = kept ? `; ${kept} stay on their fallback tier (see the warnings above)` : '';
    if (!this.started.includes(tier)) {
      await tier.start();
      if (this.shutDown) {
        // The app shut down while the tier was starting: stop it again, nothing may run after close.
        await this.stopTiers([tier]);
        return true;
      }
      await this.recovery.keepPaused(tier, paused);
      this.tiers.record(tier.name, { available: true });
      this.started.push(tier);
      this.logger.log(
        `The ${tier.name} tier is available again; ${moved} task(s) moved back from their fallback tier${staying}`,
      );
    } else if (moved) {
      await this.recovery.keepPaused(tier, paused);
      this.logger.log(`${moved} more task(s) moved back to the ${tier.name} tier${staying}`);
    }
    return kept === 0;
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
    // A recovery under way stops the tier it started itself (see recoverNow); this waits for that, bounded.
    if (this.recovering) await settleWithin([this.recovering], RECOVERY_WAIT_MS);
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
