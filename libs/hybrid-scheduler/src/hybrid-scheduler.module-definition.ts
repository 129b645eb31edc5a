import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { HybridSchedulerModuleOptions } from './config/module-options.js';

/**
 * `forRoot` / `forRootAsync` from Nest's ConfigurableModuleBuilder; the raw options land under RAW_OPTIONS_TOKEN
 * and the core validates them once (config/validate-options.ts).
 */
export const {
  ConfigurableModuleClass: ConfigurableHybridSchedulerModule,
  MODULE_OPTIONS_TOKEN: RAW_OPTIONS_TOKEN,
  OPTIONS_TYPE: HYBRID_SCHEDULER_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: HYBRID_SCHEDULER_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<HybridSchedulerModuleOptions>()
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createHybridSchedulerOptions')
  .build();
