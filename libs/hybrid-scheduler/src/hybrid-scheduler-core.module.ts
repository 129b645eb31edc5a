import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import {
  HYBRID_SCHEDULER_OPTIONS,
  HYBRID_SCHEDULER_TIERS,
  PREFECT_TIER,
} from './hybrid-scheduler.constants.js';
import { QueueTier } from './tiers/queue/queue.tier.js';
import { PREFECT_TIER_PROVIDERS } from './tiers/prefect/prefect-tier.providers.js';
import { RAW_OPTIONS_TOKEN } from './hybrid-scheduler.module-definition.js';
import { validateModuleOptions } from './config/validate-options.js';
import type { HybridSchedulerModuleOptions } from './config/module-options.js';
import type { SchedulerTier } from './interfaces/index.js';
import { TaskExplorer } from './discovery/task.explorer.js';
import { TaskRouter } from './classifier/task.router.js';
import { JobRegistry } from './registry/job.registry.js';
import { TaskRunner } from './runner/task.runner.js';
import { TiersLifecycle } from './lifecycle/tiers.lifecycle.js';
import { HybridScheduler } from './hybrid-scheduler.service.js';
import { InternalTier } from './tiers/internal/internal.tier.js';
import { TICK_LOCK_PROVIDER } from './locks/redis-tick-lock.provider.js';

/**
 * The static core: one instance per application however often `forRoot` is imported, so there is exactly one
 * explorer and every task is scheduled once. Its options come from the (global) forRoot module.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: HYBRID_SCHEDULER_OPTIONS,
      useFactory: (raw: HybridSchedulerModuleOptions) => validateModuleOptions(raw),
      inject: [RAW_OPTIONS_TOKEN],
    },
    JobRegistry,
    TaskRunner,
    TaskExplorer,
    TaskRouter,
    TICK_LOCK_PROVIDER,
    InternalTier,
    QueueTier,
    ...PREFECT_TIER_PROVIDERS,
    {
      provide: HYBRID_SCHEDULER_TIERS,
      useFactory: (...tiers: Array<SchedulerTier | undefined>) =>
        tiers.filter((t): t is SchedulerTier => !!t),
      // The queue tier is always there: with its engines down or disabled it runs workflows in-process.
      inject: [InternalTier, QueueTier, { token: PREFECT_TIER, optional: true }],
    },
    TiersLifecycle,
    HybridScheduler,
  ],
  exports: [HybridScheduler, JobRegistry, TaskRunner, TiersLifecycle, HYBRID_SCHEDULER_OPTIONS],
})
export class HybridSchedulerCoreModule {}
