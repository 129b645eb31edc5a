import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import {
  HYBRID_SCHEDULER_OPTIONS,
  HYBRID_SCHEDULER_TIERS,
  PREFECT_TIER,
  QUEUE_TIER,
} from './hybrid-scheduler.constants.js';
import { QUEUE_TIER_PROVIDERS } from './tiers/queue/queue-tier.providers.js';
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
import { FallbackWorkflows } from './fallback/fallback-workflows.js';
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
    ...QUEUE_TIER_PROVIDERS,
    ...PREFECT_TIER_PROVIDERS,
    {
      provide: HYBRID_SCHEDULER_TIERS,
      useFactory: (...tiers: Array<SchedulerTier | undefined>) =>
        tiers.filter((t): t is SchedulerTier => !!t),
      inject: [InternalTier, { token: QUEUE_TIER, optional: true }, { token: PREFECT_TIER, optional: true }],
    },
    TiersLifecycle,
    FallbackWorkflows,
    HybridScheduler,
  ],
  exports: [HybridScheduler, JobRegistry, TaskRunner, TiersLifecycle, HYBRID_SCHEDULER_OPTIONS],
})
export class HybridSchedulerCoreModule {}
