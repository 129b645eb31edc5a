import type { DeadLetterStore } from './dead-letter-store.interface.js';
import { MemoryDeadLetterStore } from './memory/memory-dead-letter.store.js';
import type { ResolvedQueueOptions } from './queue-engine.registry.js';
import { createRedis } from './redis/redis-connection.js';
import { RedisDeadLetterStore } from './redis/redis-dead-letter.store.js';
import { keyPrefixOf } from '../../common/key-prefix.js';

/** Redis when a connection is configured (durable, shared by replicas), memory otherwise. */
export function createDeadLetterStore(options: ResolvedQueueOptions): DeadLetterStore {
  if (!options.bullmq?.connection) return new MemoryDeadLetterStore();
  // lazyConnect: no connection is opened unless a provider without its own store dead-letters something.
  return new RedisDeadLetterStore(
    createRedis(options.bullmq.connection, 'dead letters', { lazyConnect: true }),
    keyPrefixOf(options.bullmq),
  );
}
