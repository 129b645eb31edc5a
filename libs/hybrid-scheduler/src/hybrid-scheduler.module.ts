import { Logger, Module, type DynamicModule } from '@nestjs/common';
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
  private static firstOptions?: string;

  static forRoot(options: typeof HYBRID_SCHEDULER_OPTIONS_TYPE = {}): DynamicModule {
    // A second import never schedules twice (one static core), but only one set of options can win.
    const serialized = JSON.stringify(options);
    HybridSchedulerModule.firstOptions ??= serialized;
    if (serialized !== HybridSchedulerModule.firstOptions) {
      new Logger('HybridScheduler').warn(
        'HybridSchedulerModule.forRoot() is imported more than once with different options; only one set is used. ' +
          'Import it once, in the root module (it is global).',
      );
    }
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
