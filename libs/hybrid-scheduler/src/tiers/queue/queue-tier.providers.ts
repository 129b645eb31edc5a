import type { Provider } from '@nestjs/common';
import { HYBRID_SCHEDULER_OPTIONS, QUEUE_TIER } from '../../hybrid-scheduler.constants.js';
import type { ResolvedModuleOptions } from '../../config/module-options.js';
import { QueueTier } from './queue.tier.js';

/** Providers of the queue tier, added to the core module; QUEUE_TIER is only provided when the tier is enabled. */
export const QUEUE_TIER_PROVIDERS: Provider[] = [
  QueueTier,
  {
    provide: QUEUE_TIER,
    useFactory: (options: ResolvedModuleOptions, tier: QueueTier) => (options.queue ? tier : undefined),
    inject: [HYBRID_SCHEDULER_OPTIONS, QueueTier],
  },
];
