import type { HybridSchedulerModuleOptions, RedisConnection } from '../config/module-options.js';
import { BullModuleConnectionError } from './adopt.errors.js';

/** `queue.bullmq.connection: FROM_BULL_MODULE` takes the connection and prefix of `BullModule.forRoot()`. */
export const FROM_BULL_MODULE = 'from-bull-module';

/**
 * The provider token of `BullModule.forRoot(config)` / `forRootAsync()` without a configKey: @nestjs/bullmq's
 * `getSharedConfigToken()` (test/e2e/adopt checks that they agree). A string, so the core can inject it
 * optionally without loading @nestjs/bullmq.
 */
export const BULL_MODULE_CONFIG_TOKEN = 'BULLMQ_CONFIG(default)';

/** The part of @nestjs/bullmq's shared config that we read (BullMQ's QueueOptions). */
export interface BullModuleConfig {
  connection?: object;
  prefix?: string;
}

/** BullMQ's default key prefix, which `BullModule.registerQueue()` queues use when forRoot sets none. */
const BULLMQ_DEFAULT_PREFIX = 'bull';

/** An ioredis client given as BullModule's connection: we open our own clients with its options. */
const isRedisClient = (value: object): value is { options: Record<string, unknown> } =>
  typeof (value as { duplicate?: unknown }).duplicate === 'function' &&
  typeof (value as { options?: unknown }).options === 'object';

/**
 * Replaces `'from-bull-module'` with BullModule's connection (its options, when it is an ioredis client) and,
 * unless `queue.bullmq.prefix` is set, its prefix (BullMQ's `bull` when it sets none), so that queues registered
 * with `BullModule.registerQueue({ name: '<workflow>' })` are our workflow queues. Other options pass unchanged.
 */
export function withBullModuleConnection(
  raw: HybridSchedulerModuleOptions | undefined,
  bullConfig: BullModuleConfig | undefined,
): HybridSchedulerModuleOptions | undefined {
  const bullmq = raw?.queue?.bullmq;
  if (bullmq?.connection !== FROM_BULL_MODULE) return raw;
  if (!bullConfig)
    throw new BullModuleConnectionError(
      `queue.bullmq.connection: '${FROM_BULL_MODULE}' needs BullModule.forRoot() or forRootAsync() of ` +
        '@nestjs/bullmq (without a configKey) among the imports of the app; none was found',
    );
  const given = bullConfig.connection ?? {};
  const connection: RedisConnection = isRedisClient(given) ? { ...given.options } : { ...given };
  const prefix = bullmq.prefix ?? bullConfig.prefix ?? BULLMQ_DEFAULT_PREFIX;
  return { ...raw, queue: { ...raw?.queue, bullmq: { ...bullmq, connection, prefix } } };
}
