import type { bullmqOptions } from './bullmq.options.js';
import type { cloudTasksOptions } from './cloud-tasks.options.js';
import type { internalOptions } from './internal.options.js';
import type { metricsOptions } from './observability.options.js';
import type { natsOptions } from './nats.options.js';
import type { moduleOptions } from './module-options.schema.js';
import type { InputOf, OutputOf } from './option-section.js';
import type { prefectOptions } from './prefect.options.js';
import type { queueOptions } from './queue.options.js';
import type { rabbitmqOptions } from './rabbitmq.options.js';

// Option types, derived from the description in module-options.schema.ts (documentation comments included).
export type { RedisConnection } from './bullmq.options.js';

/** Options of `HybridSchedulerModule.forRoot()` / `forRootAsync()`; every block and option is optional. */
export interface HybridSchedulerModuleOptions extends InputOf<typeof moduleOptions.shape> {}
/** `internal`: the in-process tier (cron, interval and one-shot timers). */
export interface InternalTierOptions extends InputOf<typeof internalOptions.shape> {}
/** `queue`: durable queued workflows on the memory, BullMQ or Cloud Tasks engine. */
export interface QueueTierOptions extends InputOf<typeof queueOptions.shape> {}
/** `queue.bullmq`: the BullMQ engine (Redis). */
export interface BullMqProviderOptions extends InputOf<typeof bullmqOptions.shape> {}
/** `queue.cloudTasks`: the Google Cloud Tasks engine. */
export interface CloudTasksProviderOptions extends InputOf<typeof cloudTasksOptions.shape> {}
/** `queue.rabbitmq`: the RabbitMQ engine (AMQP 0-9-1). */
export interface RabbitMqProviderOptions extends InputOf<typeof rabbitmqOptions.shape> {}
/** `queue.nats`: the NATS JetStream engine. */
export interface NatsProviderOptions extends InputOf<typeof natsOptions.shape> {}
/** `queue.nats` after validation. */
export type ResolvedNatsOptions = OutputOf<typeof natsOptions.shape>;
/** `prefect`: the Prefect 3 tier (registration and worker). */
export interface PrefectTierOptions extends InputOf<typeof prefectOptions.shape> {}

/** `metrics`: Prometheus metrics through prom-client. */
export interface MetricsOptions extends InputOf<typeof metricsOptions.shape> {}
export type { MetricsRegistry } from './observability.options.js';
/** The metrics options after validation, with defaults applied. */
export type ResolvedMetricsOptions = OutputOf<typeof metricsOptions.shape>;

/** The Prefect options after validation, with defaults applied. */
export type ResolvedPrefectOptions = OutputOf<typeof prefectOptions.shape>;
/** The queue options after validation, with defaults applied. */
export type ResolvedQueueTierOptions = OutputOf<typeof queueOptions.shape>;

/** The options after validation, with defaults applied; `queue` is absent when `queue.enabled` is false. */
export type ResolvedModuleOptions = Omit<OutputOf<typeof moduleOptions.shape>, 'queue'> & {
  queue?: ResolvedQueueTierOptions;
};
