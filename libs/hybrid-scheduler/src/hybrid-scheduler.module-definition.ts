import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { HybridSchedulerModuleOptions } from './config/module-options.js';

export const {
  ConfigurableModuleClass: ConfigurableHybridSchedulerModule,
  MODULE_OPTIONS_TOKEN: RAW_OPTIONS_TOKEN,
  OPTIONS_TYPE: HYBRID_SCHEDULER_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: HYBRID_SCHEDULER_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<HybridSchedulerModuleOptions>()
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createHybridSchedulerOptions')
  .build();
