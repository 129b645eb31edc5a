import { Logger, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
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
export class HybridSchedulerModule extends ConfigurableHybridSchedulerModule implements OnModuleInit {
  constructor(private readonly modules: ModulesContainer) {
    super();
  }

  static forRoot(options: typeof HYBRID_SCHEDULER_OPTIONS_TYPE = {}): DynamicModule {
    return HybridSchedulerModule.withCore(super.forRoot(options));
  }

  /**
   * A second import into the same app never schedules twice (one static core), but only one set of options can
   * win: warn then. The container is this app's, so separate apps in one process (Jest suites) never warn.
   */
  onModuleInit(): void {
    const imports = [...this.modules.values()].filter((module) => module.metatype === HybridSchedulerModule);
    if (imports.length < 2 || !Object.is(imports[0].instance, this)) return;
    const sets = new Set(
      imports.map((module) => JSON.stringify(module.getProviderByKey(RAW_OPTIONS_TOKEN)?.instance ?? {})),
    );
    if (sets.size > 1) {
      new Logger('HybridScheduler').warn(
        `HybridSchedulerModule is imported ${imports.length} times into this app with different options; only one ` +
          'set is used. Import it once, in the root module (it is global).',
      );
    }
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
