// Public API of nestjs-hybrid-scheduler. Health (needs @nestjs/terminus) is under 'nestjs-hybrid-scheduler/health',
// the @nestjs/config factory under 'nestjs-hybrid-scheduler/config'.
export { HybridSchedulerModule } from './hybrid-scheduler.module.js';
export { HybridScheduler } from './hybrid-scheduler.service.js';
export * from './decorators/index.js';
export * from './errors/index.js';
export * from './interfaces/index.js';
export type {
  HybridSchedulerModuleOptions,
  InternalTierOptions,
  QueueTierOptions,
  PrefectTierOptions,
  BullMqProviderOptions,
  CloudTasksProviderOptions,
  RedisConnection,
} from './config/module-options.js';
export { hybridSchedulerOptionsFromEnv } from './config/env.js';
export { validateModuleOptions } from './config/validate-options.js';
export { classifyTask, FALLBACK_CHAIN } from './classifier/classify-task.js';
export { TaskRunner, type RunRequest, type RunOutcome } from './runner/task.runner.js';
export { parseDuration } from './schedule/duration.js';
export { InvalidEnqueueOptionsError } from './tiers/queue/enqueue-options.check.js';
export { PrefectApiError, PrefectUnreachableError } from './tiers/prefect/prefect.errors.js';
