import type { Provider } from '@nestjs/common';
import { HYBRID_SCHEDULER_OPTIONS, PREFECT_TIER } from '../../hybrid-scheduler.constants.js';
import type { ResolvedModuleOptions } from '../../config/module-options.js';
import { JobRegistry } from '../../registry/job.registry.js';
import { TaskRunner } from '../../runner/task.runner.js';
import { PrefectTier } from './prefect.tier.js';

/** The Prefect tier under PREFECT_TIER, constructed only when `prefect` is configured (else undefined). */
export const PREFECT_TIER_PROVIDERS: Provider[] = [
  {
    provide: PREFECT_TIER,
    useFactory: (options: ResolvedModuleOptions, registry: JobRegistry, runner: TaskRunner) =>
      options.prefect ? new PrefectTier(options, registry, runner) : undefined,
    inject: [HYBRID_SCHEDULER_OPTIONS, JobRegistry, TaskRunner],
  },
];
