import type { TaskCharacteristics } from './characteristics.interface.js';
import type { Duration, ScheduleOptions } from './internal-task-options.interface.js';

export type QueueProviderName = 'memory' | 'bullmq' | 'cloud-tasks' | 'rabbitmq' | 'nats';

export interface BackoffOptions {
  type: 'fixed' | 'exponential';
  /** Delay before the first retry; exponential doubles it on every further retry. */
  delayMs: number;
  /** Upper bound for one delay. */
  maxDelayMs?: number;
}

export interface RateLimitOptions {
  /** At most `max` jobs start per `durationMs`, across all workers of this workflow. */
  max: number;
  durationMs: number;
}

/** A class-validator DTO class. */
export type PayloadClass<T = object> = new (...args: never[]) => T;

export interface QueuedWorkflowOptions extends ScheduleOptions {
  /** Unique workflow name; defaults to `ClassName.methodName`. Job ids are `queue:<name>:<job id>`. */
  name?: string;
  provider?: QueueProviderName;
  /** Total tries including the first (default 3). */
  attempts?: number;
  backoff?: BackoffOptions;
  /** Jobs of this workflow that one process runs at the same time (default 1). */
  concurrency?: number;
  rateLimit?: RateLimitOptions;
  timeoutMs?: number;
  /** Payloads are validated with class-validator against this class before they are enqueued. */
  payload?: PayloadClass;
  /** Keep failed jobs in the dead-letter store after the last attempt (default true). */
  deadLetter?: boolean;
  /** For recurring workflows: what ticks missed while no worker ran become (see InternalTaskOptions). */
  catchUp?: 'skip' | 'once';
  /** Payload that recurring ticks enqueue. */
  schedulePayload?: Record<string, unknown>;
  characteristics?: TaskCharacteristics;
}

export type { Duration };
