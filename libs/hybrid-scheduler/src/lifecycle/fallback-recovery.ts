import { Logger } from '@nestjs/common';
import type { SchedulerTier, TaskDefinition, TierName } from '../interfaces/index.js';
import type { TaskRouter, RoutedTask } from '../classifier/task.router.js';
import type { JobRegistry } from '../registry/job.registry.js';
import { jobId } from '../registry/job-id.js';
import { DistinctWarnings } from '../common/distinct-warnings.js';
import { redactedMessage } from '../common/redact.js';
import type { SchedulerTiers } from './scheduler-tiers.js';

/** A task as declared (what moves back to a recovered tier) and as it is routed now. */
export interface TaskRoute {
  task: TaskDefinition;
  routed: RoutedTask;
}

/**
 * Moves the tasks declared for a tier that answers again off their fallback tier, each on its own and only once
 * the recovered tier took it: registered there first, then removed from the fallback, then routed there. A task
 * the recovered tier refuses keeps running on its fallback (a warning names it and why, once per reason) and is
 * tried again at the next check: before, a refusal left the task on no tier at all.
 */
export class FallbackRecovery {
  private readonly logger = new Logger('HybridScheduler');
  /** One warning per task still on its fallback and reason. */
  private readonly refused = new DistinctWarnings(this.logger);

  constructor(
    private readonly tiers: SchedulerTiers,
    private readonly router: TaskRouter,
    private readonly registry: JobRegistry,
    private readonly fallback: 'degrade' | 'fail',
  ) {}

  /**
   * Moves every route declared for `tier` that runs elsewhere; resolves how many moved, how many stay, and the
   * ids (on `tier`) of those that were paused on their fallback: the caller pauses them there once it started.
   */
  async moveBack(
    routes: TaskRoute[],
    tier: SchedulerTier,
  ): Promise<{ moved: number; kept: number; paused: string[] }> {
    const available = { ...this.tiers.snapshot(), [tier.name]: { available: true } };
    let moved = 0;
    let kept = 0;
    const paused: string[] = [];
    for (const route of routes.filter(
      (r) => r.task.declaredTier === tier.name && r.routed.tier !== tier.name,
    )) {
      const fallbackId = jobId(route.routed.tier, route.task.name);
      const wasPaused = this.registry.has(fallbackId) && this.registry.info(fallbackId).paused;
      if (await this.move(route, tier, available)) {
        moved++;
        if (wasPaused) paused.push(jobId(tier.name, route.task.name));
      } else kept++;
    }
    return { moved, kept, paused };
  }

  /** Pauses on the recovered tier what was paused on the fallback (a failure is a warning: it runs unpaused). */
  async keepPaused(tier: SchedulerTier, ids: string[]): Promise<void> {
    for (const id of ids) {
      try {
        await tier.pause(id);
        this.registry.info(id).paused = true;
      } catch (error) {
        this.logger.warn(
          `Job "${id}" was paused on its fallback tier; pausing it on the ${tier.name} tier failed (${redactedMessage(error)}), so it runs: pause it again`,
        );
      }
    }
  }

  private async move(
    route: TaskRoute,
    tier: SchedulerTier,
    available: Partial<Record<TierName, { available: boolean }>>,
  ): Promise<boolean> {
    const from = route.routed.tier;
    const target = jobId(tier.name, route.task.name);
    let registered = false;
    try {
      const routed = this.router.route(route.task, available, this.fallback);
      tier.register(routed);
      registered = true;
      const fallbackId = jobId(from, route.task.name);
      if (this.registry.has(fallbackId)) await this.tiers.named(from).remove(fallbackId);
      route.routed = routed;
      this.refused.clear(route.task.name);
      return true;
    } catch (error) {
      // The fallback could not let go of it: take it back off the recovered tier, so that it runs once.
      if (registered) await tier.remove(target).catch(() => this.registry.remove(target));
      const reason = redactedMessage(error);
      this.refused.warn(
        route.task.name,
        `Task "${route.task.name}" stays on the ${from} tier: moving it to the ${tier.name} tier failed (${reason}); ` +
          'tried again at the next check',
      );
      return false;
    }
  }
}
