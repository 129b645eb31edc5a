import { registerAs } from '@nestjs/config';
import { hybridSchedulerOptionsFromEnv } from './env.js';

/**
 * The module options from the environment as an `@nestjs/config` namespace (`hybridScheduler`):
 * `HybridSchedulerModule.forRootAsync(hybridSchedulerConfig.asProvider())`, or
 * `forRootAsync({ imports: [ConfigModule.forFeature(hybridSchedulerConfig)], inject: [hybridSchedulerConfig.KEY],
 * useFactory: (options) => options })`. The variables are listed in docs/configuration.md.
 */
export const hybridSchedulerConfig = registerAs('hybridScheduler', () => hybridSchedulerOptionsFromEnv());
/** Module options from `HYBRID_SCHEDULER_*` variables (the same as the main entry point's). */
export { hybridSchedulerOptionsFromEnv };
