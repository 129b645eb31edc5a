import { registerAs } from '@nestjs/config';
import { hybridSchedulerOptionsFromEnv } from './env.js';

/**
 * `ConfigModule.forRoot({ load: [hybridSchedulerConfig] })`, then
 * `HybridSchedulerModule.forRootAsync({ inject: [hybridSchedulerConfig.KEY], useFactory: (c) => c })`.
 */
export const hybridSchedulerConfig = registerAs('hybridScheduler', () => hybridSchedulerOptionsFromEnv());
export { hybridSchedulerOptionsFromEnv };
