import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { HYBRID_SCHEDULER_OPTIONS, PREFECT_TIER } from './hybrid-scheduler.constants.js';
import { QueueTier } from './tiers/queue/queue.tier.js';
import { PREFECT_TIER_PROVIDERS } from './tiers/prefect/prefect-tier.providers.js';
import { RAW_OPTIONS_TOKEN } from './hybrid-scheduler.module-definition.js';
import { validateModuleOptions } from './config/validate-options.js';
import type { HybridSchedulerModuleOptions, ResolvedModuleOptions } from './config/module-options.js';
import { TaskExplorer } from './discovery/task.explorer.js';
import { TaskRouter } from './classifier/task.router.js';
import { JobRegistry } from './registry/job.registry.js';
import { TaskRunner } from './runner/task.runner.js';
import { TiersLifecycle } from './lifecycle/tiers.lifecycle.js';
import { HybridScheduler } from './hybrid-scheduler.service.js';
import { InternalTier } from './tiers/internal/internal.tier.js';
import { TICK_LOCK_PROVIDER } from './locks/redis-tick-lock.provider.js';
import { INTERNAL_TICK_LOCK, type TickLock } from './tiers/internal/tick-lock.interface.js';
import type { PrefectTier } from './tiers/prefect/prefect.tier.js';
import { SchedulerTiers } from './lifecycle/scheduler-tiers.js';
import { AdoptedJobs } from './adopt/adopted-jobs.js';
import {
  BULL_MODULE_CONFIG_TOKEN,
  withBullModuleConnection,
  type BullModuleConfig,
} from './adopt/bull-module-connection.js';
import { MetricsCollector } from './observability/metrics.collector.js';
import { RunTracing } from './observability/run-tracing.js';

/**
 * The static core: one instance per application however often `forRoot` is imported, so there is exactly one
 * explorer and every task is scheduled once. Its options come from the (global) forRoot module.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: HYBRID_SCHEDULER_OPTIONS,
      useFactory: (raw: HybridSchedulerModuleOptions, bullModule?: BullModuleConfig) =>
        validateModuleOptions(withBullModuleConnection(raw, bullModule)),
      inject: [RAW_OPTIONS_TOKEN, { token: BULL_MODULE_CONFIG_TOKEN, optional: true }],
    },
    JobRegistry,
    RunTracing,
    TaskRunner,
    TaskExplorer,
    TaskRouter,
    TICK_LOCK_PROVIDER,
    QueueTier,
    ...PREFECT_TIER_PROVIDERS,
    {
      // A tier the options leave out is not constructed; the queue tier always is (its in-process engine).
      provide: SchedulerTiers,
      useFactory: (
        options: ResolvedModuleOptions,
        registry: JobRegistry,
        runner: TaskRunner,
        queue: QueueTier,
        prefect?: PrefectTier,
        tickLock?: TickLock,
      ) =>
        new SchedulerTiers(options, {
          internal: options.internal.enabled
            ? new InternalTier(options, registry, runner, tickLock)
            : undefined,
          queue,
          prefect,
        }),
      inject: [
        HYBRID_SCHEDULER_OPTIONS,
        JobRegistry,
        TaskRunner,
        QueueTier,
        { token: PREFECT_TIER, optional: true },
        { token: INTERNAL_TICK_LOCK, optional: true },
      ],
    },
    TiersLifecycle,
    AdoptedJobs,
    HybridScheduler,
    MetricsCollector,
  ],
  exports: [HybridScheduler, JobRegistry, TaskRunner, SchedulerTiers, HYBRID_SCHEDULER_OPTIONS],
})
export class HybridSchedulerCoreModule {}
