import type { Provider } from '@nestjs/common';
import { HYBRID_SCHEDULER_OPTIONS, PREFECT_TIER } from '../../hybrid-scheduler.constants.js';
import type { ResolvedModuleOptions } from '../../config/module-options.js';
import { PrefectTier } from './prefect.tier.js';

/** Providers of the Prefect tier, added to the core module; PREFECT_TIER is only provided when `prefect` is configured. */
export const PREFECT_TIER_PROVIDERS: Provider[] = [
  PrefectTier,
  {
    provide: PREFECT_TIER,
    useFactory: (options: ResolvedModuleOptions, tier: PrefectTier) => (options.prefect ? tier : undefined),
    inject: [HYBRID_SCHEDULER_OPTIONS, PrefectTier],
  },
];
