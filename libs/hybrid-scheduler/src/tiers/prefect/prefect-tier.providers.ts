import type { Provider } from '@nestjs/common';

/** Providers of the Prefect tier, added to the core module; must provide PREFECT_TIER. */
export const PREFECT_TIER_PROVIDERS: Provider[] = [];
