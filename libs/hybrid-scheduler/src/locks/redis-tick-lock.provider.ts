import type { Provider } from '@nestjs/common';
import { HYBRID_SCHEDULER_OPTIONS } from '../hybrid-scheduler.constants.js';
import type { ResolvedModuleOptions } from '../config/module-options.js';
import { INTERNAL_TICK_LOCK } from '../tiers/internal/tick-lock.interface.js';
import { createRedis, redisOutage } from '../tiers/queue/redis/redis-connection.js';
import { RedisTickLock } from './redis-tick-lock.js';
import { keyPrefixOf } from '../common/key-prefix.js';

/** The tick lock of singleton internal tasks: a Redis lease when `queue.bullmq.connection` is set, else none. */
export const TICK_LOCK_PROVIDER: Provider = {
  provide: INTERNAL_TICK_LOCK,
  useFactory: (options: ResolvedModuleOptions) => {
    const bullmq = options.queue?.bullmq;
    if (!bullmq?.connection) return undefined;
    return new RedisTickLock(
      createRedis(bullmq.connection, 'tick lock', { lazyConnect: true }),
      keyPrefixOf(bullmq),
      redisOutage(bullmq.connection),
    );
  },
  inject: [HYBRID_SCHEDULER_OPTIONS],
};
