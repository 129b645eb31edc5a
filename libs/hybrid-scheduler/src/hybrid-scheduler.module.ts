import { Module, type DynamicModule } from '@nestjs/common';
import {
  ConfigurableHybridSchedulerModule,
  HYBRID_SCHEDULER_ASYNC_OPTIONS_TYPE,
  HYBRID_SCHEDULER_OPTIONS_TYPE,
  RAW_OPTIONS_TOKEN,
} from './hybrid-scheduler.module-definition.js';
import { HybridSchedulerCoreModule } from './hybrid-scheduler-core.module.js';

/**
 * `HybridSchedulerModule.forRoot(options)` or `.forRootAsync({ imports, inject, useFactory })`. Global: import it
 * once in the root module and inject `HybridScheduler` anywhere.
 */
@Module({})
export class HybridSchedulerModule extends ConfigurableHybridSchedulerModule {
  static forRoot(options: typeof HYBRID_SCHEDULER_OPTIONS_TYPE = {}): DynamicModule {
    return HybridSchedulerModule.withCore(super.forRoot(options));
  }

  static forRootAsync(options: typeof HYBRID_SCHEDULER_ASYNC_OPTIONS_TYPE): DynamicModule {
    return HybridSchedulerModule.withCore(super.forRootAsync(options));
  }

  private static withCore(module: DynamicModule): DynamicModule {
    return {
      ...module,
      global: true,
      imports: [...(module.imports ?? []), HybridSchedulerCoreModule],
      exports: [...(module.exports ?? []), RAW_OPTIONS_TOKEN, HybridSchedulerCoreModule],
    };
  }
}
