// Public API of nestjs-hybrid-scheduler: what an app needs, and nothing internal (test/unit/public-api.spec.ts
// fails when a name is added here without being added to its list). The health indicator (needs
// @nestjs/terminus) is under 'nestjs-hybrid-scheduler/health', the @nestjs/config factory under
// 'nestjs-hybrid-scheduler/config'.

// --- Module and facade ---
/** The module: `HybridSchedulerModule.forRoot(options)` or `.forRootAsync({ imports, inject, useFactory })`. */
export { HybridSchedulerModule } from './hybrid-scheduler.module.js';
/** The facade to inject: list, trigger, pause and resume jobs, enqueue workflows, schedule tasks at runtime. */
export { HybridScheduler } from './hybrid-scheduler.service.js';

// --- Decorators and their options ---
/** Runs a method in-process on a cron, interval or one-shot schedule (the internal tier). */
export { InternalTask } from './decorators/internal-task.decorator.js';
/** Makes a method a durable queued workflow (memory, BullMQ, Cloud Tasks, RabbitMQ, NATS): enqueued, retried, dead-lettered. */
export { QueuedWorkflow } from './decorators/queued-workflow.decorator.js';
/** Registers a method as a Prefect 3 deployment that this app runs as the work pool's worker. */
export { PrefectDeployment } from './decorators/prefect-deployment.decorator.js';
/** Options of `@InternalTask` and `scheduleInternalTask()`. */
export type { InternalTaskOptions } from './interfaces/internal-task-options.interface.js';
/** A duration: milliseconds, or a string such as `'500ms'`, `'30s'`, `'5m'`, `'2h'`, `'1d'`. */
export type { Duration } from './interfaces/internal-task-options.interface.js';
/** Options of `@QueuedWorkflow`. */
export type { QueuedWorkflowOptions } from './interfaces/queued-workflow-options.interface.js';
/** `backoff` of a queued workflow: how the delay between attempts grows. */
export type { BackoffOptions } from './interfaces/queued-workflow-options.interface.js';
/** `rateLimit` of a queued workflow: at most `max` runs per `duration`. */
export type { RateLimitOptions } from './interfaces/queued-workflow-options.interface.js';
/** Names of the queue engines (`queue.provider`, `@QueuedWorkflow({ provider })`). */
export type { QueueProviderName } from './interfaces/queued-workflow-options.interface.js';
/** Options of `@PrefectDeployment` and `scheduleDeployment()`. */
export type { PrefectDeploymentOptions } from './interfaces/prefect-deployment-options.interface.js';
/** What a task is like (frequency, duration, …): input of `classifyTask` and the decorators' `characteristics`. */
export type { TaskCharacteristics } from './interfaces/characteristics.interface.js';
/** The tier `classifyTask` recommends and why. */
export type { Classification } from './interfaces/characteristics.interface.js';
/** `'internal' | 'queue' | 'prefect'`. */
export type { TierName } from './interfaces/characteristics.interface.js';

// --- What a handler receives ---
/** The context every handler receives: job id, attempt, abort signal, logger. */
export type { TaskContext } from './interfaces/task-context.interface.js';
/** The context of an `@InternalTask` handler. */
export type { InternalTaskContext } from './interfaces/task-context.interface.js';
/** The context of a `@QueuedWorkflow` handler (adds the queue job's id, attempts and enqueue time). */
export type { WorkflowContext } from './interfaces/queue-api.interface.js';
/** The context of a `@PrefectDeployment` handler (adds the flow run). */
export type { FlowRunContext } from './interfaces/prefect-api.interface.js';
/** Options of a flow run's step (`ctx.task`): retries, delay, waitFor, timeout, tags of its Prefect task run. */
export type { StepOptions } from './interfaces/flow-steps.interface.js';
/** Options of `ctx.map`: a step's, plus `concurrency`. */
export type { MapOptions } from './interfaces/flow-steps.interface.js';
/** What a step's function receives: name, attempt, signal, logger, its task run id. */
export type { StepContext } from './interfaces/flow-steps.interface.js';
/** The function of a step (`ctx.task`). */
export type { StepFn } from './interfaces/flow-steps.interface.js';
/** The function `ctx.map` calls per item. */
export type { MapFn } from './interfaces/flow-steps.interface.js';
/** Options of `ctx.runDeployment` (a subflow): wait, timeout, idempotency key, tags. */
export type { SubflowOptions } from './interfaces/subflow.interface.js';
/** The child flow run `ctx.runDeployment` created, with its final state after a wait. */
export type { SubflowRun } from './interfaces/subflow.interface.js';
/** `ctx.logger`: logs go to the app's logger (and, for Prefect flow runs, to Prefect). */
export type { TaskLogger } from './interfaces/task-context.interface.js';

// --- What the facade answers ---
/** One job as `listJobs()` / `getJob()` report it: schedule, tier, last and next run. */
export type { JobInfo } from './interfaces/job-info.interface.js';
/** How a run ended: succeeded, failed, skipped, missed, cancelled. */
export type { JobRunStatus } from './interfaces/job-info.interface.js';
/** An event of `events$` / `onJobEvent()`. */
export type { JobEvent } from './interfaces/job-event.interface.js';
/** The kinds of `JobEvent`. */
export type { JobEventType } from './interfaces/job-event.interface.js';
/** What `trigger()` answers. */
export type { TriggerResult } from './interfaces/tier.interface.js';
/** Options of `enqueueWorkflow()`: delay, run time, idempotency key, priority. */
export type { EnqueueOptions } from './interfaces/queue-api.interface.js';
/** What `enqueueWorkflow()` and `retryDeadLetter()` answer. */
export type { EnqueueResult } from './interfaces/queue-api.interface.js';
/** A job that exhausted its attempts, as `deadLetters()` lists it. */
export type { DeadLetter } from './interfaces/queue-api.interface.js';
/** A Prefect flow run created by `runDeployment()`. */
export type { FlowRunRef } from './interfaces/prefect-api.interface.js';
/** The runs an engine keeps of a job, as `recentRuns()` answers (BullMQ finished jobs, Prefect flow runs). */
export type { RecentRuns } from './interfaces/recent-runs.interface.js';
/** One run an engine keeps. */
export type { RecentRun } from './interfaces/recent-runs.interface.js';
/** `running`, `succeeded`, `failed` or `cancelled`. */
export type { RecentRunStatus } from './interfaces/recent-runs.interface.js';
/** Options of `recentRuns()`. */
export type { RecentRunsOptions } from './interfaces/recent-runs.interface.js';

// --- Module options ---
/** Options of `HybridSchedulerModule.forRoot()`; the table is in docs/configuration.md. */
export type { HybridSchedulerModuleOptions } from './config/module-options.js';
/** `internal` options. */
export type { InternalTierOptions } from './config/module-options.js';
/** `queue` options. */
export type { QueueTierOptions } from './config/module-options.js';
/** `queue.bullmq` options. */
export type { BullMqProviderOptions } from './config/module-options.js';
/** `queue.cloudTasks` options. */
export type { CloudTasksProviderOptions } from './config/module-options.js';
/** `queue.rabbitmq` options. */
export type { RabbitMqProviderOptions } from './config/module-options.js';
/** `queue.nats` options. */
export type { NatsProviderOptions } from './config/module-options.js';
/** `queue.bullmq.connection`: a Redis URL or ioredis options. */
export type { RedisConnection } from './config/module-options.js';
/** `prefect` options. */
export type { PrefectTierOptions } from './config/module-options.js';
/** Module options from `HYBRID_SCHEDULER_*` environment variables (table in docs/configuration.md). */
export { hybridSchedulerOptionsFromEnv } from './config/env.js';

// --- The classifier ---
/** Which tier suits a task with these characteristics, and why (pure; the same rules the router warns with). */
export { classifyTask } from './classifier/classify-task.js';

// --- Errors (all extend HybridSchedulerError) ---
/** Base class of every error this library throws. */
export { HybridSchedulerError } from './errors/hybrid-scheduler.errors.js';
/** Module options are invalid; `problems` lists every one (thrown at boot). */
export { InvalidModuleOptionsError } from './errors/hybrid-scheduler.errors.js';
/** A decorator's or a runtime task's options are invalid (names the method, option and value). */
export { InvalidTaskOptionsError } from './errors/hybrid-scheduler.errors.js';
/** Task characteristics given to `classifyTask()` / `classify()` are invalid (names the characteristic and value). */
export { InvalidCharacteristicsError } from './errors/hybrid-scheduler.errors.js';
/** Two tasks share a name. */
export { DuplicateTaskError } from './errors/hybrid-scheduler.errors.js';
/** No job has this id. */
export { JobNotFoundError } from './errors/hybrid-scheduler.errors.js';
/** No queued workflow has this name. */
export { WorkflowNotFoundError } from './errors/hybrid-scheduler.errors.js';
/** No dead letter has this id. */
export { DeadLetterNotFoundError } from './errors/hybrid-scheduler.errors.js';
/** No Prefect deployment has this name. */
export { DeploymentNotFoundError } from './errors/hybrid-scheduler.errors.js';
/** A workflow's payload failed its DTO's validation. */
export { PayloadValidationError } from './errors/hybrid-scheduler.errors.js';
/** trigger() of a workflow that needs a payload it has none for: use enqueueWorkflow. */
export { PayloadRequiredError } from './errors/hybrid-scheduler.errors.js';
/** A facade method got an argument it cannot use (names method, argument and value). */
export { InvalidArgumentError } from './errors/hybrid-scheduler.errors.js';
/** The tier (or engine) a call needs is not available. */
export { TierUnavailableError } from './errors/hybrid-scheduler.errors.js';
/** A run took longer than its `timeoutMs`. */
export { TaskTimeoutError } from './errors/hybrid-scheduler.errors.js';
/** A run was cancelled (shutdown, or cancelled in Prefect). */
export { TaskCancelledError } from './errors/hybrid-scheduler.errors.js';
/** A step did not run because a step it waits for (`waitFor`) failed. */
export { UpstreamStepError } from './errors/hybrid-scheduler.errors.js';
/** A subflow (`ctx.runDeployment` with `wait`) did not end COMPLETED. */
export { SubflowFailedError } from './errors/hybrid-scheduler.errors.js';
/** `enqueueWorkflow()` options are invalid. */
export { InvalidEnqueueOptionsError } from './tiers/queue/enqueue-options.check.js';
/** Prefect answered an error status. */
export { PrefectApiError } from './tiers/prefect/prefect.errors.js';
/** Prefect answered 401: the API key or the basic-auth string is wrong ("authentication failed"). */
export { PrefectAuthError } from './tiers/prefect/prefect.errors.js';
/** Prefect could not be reached. */
export { PrefectUnreachableError } from './tiers/prefect/prefect.errors.js';
/** A control a job of @nestjs/schedule or @nestjs/bullmq does not offer (names the job, the control and why). */
export { AdoptedJobControlError } from './adopt/adopt.errors.js';
/** `queue.bullmq.connection: 'from-bull-module'` without a `BullModule.forRoot()` in the app. */
export { BullModuleConnectionError } from './adopt/adopt.errors.js';
