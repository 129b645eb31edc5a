import { Logger, Module, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import {
  ConfigurableHybridSchedulerModule,
  HYBRID_SCHEDULER_ASYNC_OPTIONS_TYPE,
  HYBRID_SCHEDULER_OPTIONS_TYPE,
  RAW_OPTIONS_TOKEN,
} from './hybrid-scheduler.module-definition.js';
import { HybridSchedulerCoreModule } from './hybrid-scheduler-core.module.js';
import { redactedMessage } from './common/redact.js';
import { InvalidModuleOptionsError } from './errors/index.js';

type OptionsFactory = NonNullable<(typeof HYBRID_SCHEDULER_ASYNC_OPTIONS_TYPE)['useFactory']>;

/**
 * The app's options factory, whose failure (a missing setting, a config service that throws) names this module
 * and keeps the original as `cause`: Nest alone reports it as the bare error, with no hint of where it came from.
 */
const namingFailures =
  (useFactory: OptionsFactory): OptionsFactory =>
  async (...args: unknown[]) => {
    try {
      return await useFactory(...args);
    } catch (error) {
      throw new InvalidModuleOptionsError(
        [
          `forRootAsync(): useFactory threw ${error instanceof Error ? error.name : 'a value'}: ${redactedMessage(error)}`,
        ],
        { cause: error },
      );
    }
  };

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
    const { useFactory } = options;
    return HybridSchedulerModule.withCore(
      super.forRootAsync(useFactory ? { ...options, useFactory: namingFailures(useFactory) } : options),
    );
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
