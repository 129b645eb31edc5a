import type { QueueProviderName } from '../interfaces/index.js';
import { bullmqOptions } from './bullmq.options.js';
import { cloudTasksOptions } from './cloud-tasks.options.js';
import { rabbitmqOptions } from './rabbitmq.options.js';
import { natsOptions } from './nats.options.js';
import { bool, int, listOf, millis, oneOf } from './option-kinds.js';
import { section } from './option-section.js';

/**
 * The option block of each queue engine, under `queue.<key>`. To add an engine (say NATS):
 *   1. write `config/nats.options.ts` exporting `natsOptions = block({ … })` (see bullmq.options.ts),
 *   2. add `nats: natsOptions` here and `nats: 'nats'` to ENGINE_BLOCK below.
 * Its types (`queue.nats` in HybridSchedulerModuleOptions and the resolved options), validation, defaults and
 * environment variables all follow from that block; export its input type in module-options.ts if users name it.
 */
const engineBlocks = {
  bullmq: bullmqOptions,
  cloudTasks: cloudTasksOptions,
  rabbitmq: rabbitmqOptions,
  nats: natsOptions,
};

/** Which block configures each engine; `null`: needs none. The first one given picks the default provider. */
const ENGINE_BLOCK: Record<QueueProviderName, keyof typeof engineBlocks | null> = {
  bullmq: 'bullmq',
  'cloud-tasks': 'cloudTasks',
  rabbitmq: 'rabbitmq',
  nats: 'nats',
  memory: null,
};
const PROVIDERS = Object.keys(ENGINE_BLOCK) as QueueProviderName[];

/** `queue`: durable queued workflows, on one or more engines. */
export const queueOptions = section(
  {
    /** Default true. With false, the tier is off: `@QueuedWorkflow`s fall back (or fail with fallback 'fail'). */
    enabled: bool({ default: true, env: 'HYBRID_SCHEDULER_QUEUE_ENABLED' }),
    /** Default engine of `@QueuedWorkflow`s: the first engine whose block is given (bullmq, …), else `memory`. */
    provider: oneOf(PROVIDERS, {
      env: 'HYBRID_SCHEDULER_QUEUE_PROVIDER',
      default: (queue): QueueProviderName =>
        PROVIDERS.find((name) => {
          const key = ENGINE_BLOCK[name];
          return key !== null && queue[key] !== undefined;
        }) ?? 'memory',
    }),
    /** `['producer', 'worker']` by default; `['producer']` lets a pod enqueue without consuming. */
    roles: listOf(['producer', 'worker'], {
      nonEmpty: true,
      default: ['producer', 'worker'],
      env: 'HYBRID_SCHEDULER_QUEUE_ROLES',
    }),
    /** How long shutdown waits for running jobs (default 30000). */
    shutdownTimeoutMs: millis({ min: 0, default: 30_000, env: 'HYBRID_SCHEDULER_QUEUE_SHUTDOWN_TIMEOUT_MS' }),
    /**
     * Largest payload (bytes of its JSON) enqueueWorkflow accepts, checked before anything is enqueued (default
     * 1048576). An engine with a lower limit of its own (Cloud Tasks) lowers it for its workflows.
     */
    maxPayloadBytes: int({ min: 1, default: 1_048_576, env: 'HYBRID_SCHEDULER_QUEUE_MAX_PAYLOAD_BYTES' }),
    ...engineBlocks,
  },
  {
    rules: [
      (queue) => {
        const key = ENGINE_BLOCK[queue.provider];
        return key === null || queue[key] !== undefined
          ? undefined
          : {
              option: key,
              problem:
                `required when queue.provider is '${queue.provider}'` +
                (key === 'bullmq' ? ' (set queue.bullmq.connection)' : ''),
            };
      },
    ],
  },
);
