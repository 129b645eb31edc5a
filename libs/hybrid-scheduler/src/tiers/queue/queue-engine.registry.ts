import type { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import type { ResolvedModuleOptions } from '../../config/module-options.js';
import type { QueueProviderName } from '../../interfaces/index.js';
import type { DeadLetterStore } from './dead-letter-store.interface.js';
import type { QueueEngine } from './queue-engine.interface.js';
import { BullMqQueueEngine } from './bullmq/bullmq-queue.engine.js';
import { MemoryQueueEngine } from './memory/memory-queue.engine.js';
import { NatsQueueEngine } from './nats/nats-queue.engine.js';
import { CloudTasksQueueEngine } from './cloud-tasks/cloud-tasks-queue.engine.js';
import { RabbitMqQueueEngine } from './rabbitmq/rabbitmq-queue.engine.js';
import { redisAddress, redisOutage } from './redis/redis-connection.js';
import type { EngineWatch } from '../../common/engine-guard.js';

/** The queue tier's options after validation (`queue` is set whenever the tier is enabled). */
export type ResolvedQueueOptions = NonNullable<ResolvedModuleOptions['queue']>;

/** What the tier hands every provider factory. */
export interface QueueEngineDeps {
  /** Redis-backed when `queue.bullmq.connection` is set, in memory otherwise. */
  deadLetters: DeadLetterStore;
  /** For providers that need Nest services (e.g. a push endpoint on the app's HTTP server). */
  moduleRef?: ModuleRef;
  httpAdapterHost?: HttpAdapterHost;
}

export type QueueEngineFactory = (queueOptions: ResolvedQueueOptions, deps: QueueEngineDeps) => QueueEngine;

/** Provider name → factory. A provider is created once, when it is configured (memory always is). */
export const QUEUE_ENGINE_FACTORIES: Partial<Record<QueueProviderName, QueueEngineFactory>> = {
  memory: (_options, deps) => new MemoryQueueEngine(deps.deadLetters),
  bullmq: (options) => new BullMqQueueEngine(options.bullmq!, options.shutdownTimeoutMs),
  'cloud-tasks': (options, deps) =>
    new CloudTasksQueueEngine(options.cloudTasks!, { ...deps, worker: options.roles.includes('worker') }),
  rabbitmq: (options) => new RabbitMqQueueEngine(options.rabbitmq!, options.shutdownTimeoutMs),
  nats: (options) => new NatsQueueEngine(options.nats!, options.shutdownTimeoutMs),
};

/** Whether the module options configure `provider` (memory needs nothing). */
export function isEngineConfigured(provider: QueueProviderName, options: ResolvedQueueOptions): boolean {
  if (provider === 'memory') return true;
  if (provider === 'rabbitmq') return !!options.rabbitmq;
  if (provider === 'nats') return !!options.nats;
  return provider === 'bullmq' ? !!options.bullmq : !!options.cloudTasks;
}

/** The outage state of an engine's server, for engines that keep one (BullMQ: its Redis); else undefined. */
export function engineWatch(
  provider: QueueProviderName,
  options: ResolvedQueueOptions,
): EngineWatch | undefined {
  if (provider === 'bullmq' && options.bullmq) {
    const { connection } = options.bullmq;
    return { engine: 'bullmq', address: redisAddress(connection), outage: redisOutage(connection) };
  }
  return undefined;
}
