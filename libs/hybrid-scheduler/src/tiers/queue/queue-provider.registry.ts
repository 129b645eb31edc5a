import type { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import type { ResolvedModuleOptions } from '../../config/module-options.js';
import type { QueueProviderName } from '../../interfaces/index.js';
import type { DeadLetterStore } from './dead-letter-store.interface.js';
import type { QueueProvider } from './queue-provider.interface.js';
import { BullMqQueueProvider } from './bullmq/bullmq-queue.provider.js';
import { MemoryQueueProvider } from './memory/memory-queue.provider.js';
import { CloudTasksQueueProvider } from './cloud-tasks/cloud-tasks-queue.provider.js';

/** The queue tier's options after validation (`queue` is set whenever the tier is enabled). */
export type ResolvedQueueOptions = NonNullable<ResolvedModuleOptions['queue']>;

/** What the tier hands every provider factory. */
export interface QueueProviderDeps {
  /** Redis-backed when `queue.bullmq.connection` is set, in memory otherwise. */
  deadLetters: DeadLetterStore;
  /** For providers that need Nest services (e.g. a push endpoint on the app's HTTP server). */
  moduleRef?: ModuleRef;
  httpAdapterHost?: HttpAdapterHost;
}

export type QueueProviderFactory = (
  queueOptions: ResolvedQueueOptions,
  deps: QueueProviderDeps,
) => QueueProvider;

/** Provider name → factory. A provider is created once, when it is configured (memory always is). */
export const QUEUE_PROVIDER_FACTORIES: Partial<Record<QueueProviderName, QueueProviderFactory>> = {
  memory: (_options, deps) => new MemoryQueueProvider(deps.deadLetters),
  bullmq: (options) => new BullMqQueueProvider(options.bullmq!, options.shutdownTimeoutMs),
  'cloud-tasks': (options, deps) =>
    new CloudTasksQueueProvider(options.cloudTasks!, { ...deps, worker: options.roles.includes('worker') }),
};

/** Whether the module options configure `provider` (memory needs nothing). */
export function isProviderConfigured(provider: QueueProviderName, options: ResolvedQueueOptions): boolean {
  if (provider === 'memory') return true;
  return provider === 'bullmq' ? !!options.bullmq : !!options.cloudTasks;
}
