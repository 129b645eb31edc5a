import type { Provider } from '@nestjs/common';

/** Providers of the queue tier, added to the core module; must provide QUEUE_TIER. */
export const QUEUE_TIER_PROVIDERS: Provider[] = [];
