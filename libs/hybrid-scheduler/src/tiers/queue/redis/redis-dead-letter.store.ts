import type { Redis } from 'ioredis';
import type { DeadLetterStore, StoredDeadLetter } from '../dead-letter-store.interface.js';
import { DEFAULT_KEY_PREFIX } from '../../../common/key-prefix.js';

type Wire = Omit<StoredDeadLetter, 'enqueuedAt' | 'failedAt'> & { enqueuedAt: string; failedAt: string };

/**
 * Dead letters in a Redis hash per workflow (`<prefix>:dlq:<workflow>`, field = job key), so they survive
 * restarts and every replica sees the same list. Used by providers without an engine-side store. The client
 * comes from createRedis, which logs its connection errors.
 */
export class RedisDeadLetterStore implements DeadLetterStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = DEFAULT_KEY_PREFIX,
  ) {}

  private key(workflow: string): string {
    return `${this.prefix}:dlq:${workflow}`;
  }

  async add(letter: StoredDeadLetter): Promise<void> {
    await this.redis.hset(this.key(letter.workflow), letter.jobKey, JSON.stringify(letter));
  }

  async list(workflow: string): Promise<StoredDeadLetter[]> {
    const raw = await this.redis.hvals(this.key(workflow));
    return raw.map((text) => this.parse(text)).sort((a, b) => a.failedAt.getTime() - b.failedAt.getTime());
  }

  async take(workflow: string, jobKey: string): Promise<StoredDeadLetter | undefined> {
    // HGET + HDEL in one MULTI: two replicas retrying the same letter re-enqueue it once.
    const result = await this.redis
      .multi()
      .hget(this.key(workflow), jobKey)
      .hdel(this.key(workflow), jobKey)
      .exec();
    const [[, text], [, deleted]] = result as [[Error | null, string | null], [Error | null, number]];
    return text && deleted ? this.parse(text) : undefined;
  }

  async purge(workflow: string): Promise<number> {
    const count = await this.redis.hlen(this.key(workflow));
    await this.redis.del(this.key(workflow));
    return count;
  }

  async count(workflow: string): Promise<number> {
    return this.redis.hlen(this.key(workflow));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private parse(text: string): StoredDeadLetter {
    const wire = JSON.parse(text) as Wire;
    return { ...wire, enqueuedAt: new Date(wire.enqueuedAt), failedAt: new Date(wire.failedAt) };
  }
}
