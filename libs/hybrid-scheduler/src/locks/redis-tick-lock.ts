import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { OutageLog } from '../common/outage-log.js';
import { redactedMessage } from '../common/redact.js';
import type { TickLock } from '../tiers/internal/tick-lock.interface.js';
import { DEFAULT_KEY_PREFIX } from '../common/key-prefix.js';

/** Takes the lease of one tick unless someone has it: SET NX PX plus a fencing token from a per-job counter. */
const ACQUIRE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local token = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], token, 'PX', ARGV[1])
return token`;
/** Extends (or shortens) the lease only while we still own it (same token). */
const SET_TTL = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/** After a run the tick's key stays this long, so a replica whose timer fires late does not run the tick again. */
const TOMBSTONE_MS = 60_000;

/**
 * The Redis lease behind `@InternalTask({ singleton: true })`: one key per job and tick
 * (`<prefix>:tick-lock:<jobId>:<tick ms>`), so each tick runs on exactly one replica. The owner renews the
 * lease every third of its TTL while the handler runs; a fencing token (monotonic per job) identifies the
 * owner, so a replica whose lease expired can never extend or release someone else's.
 */
export class RedisTickLock implements TickLock {
  private readonly logger = new Logger('HybridScheduler:TickLock');

  constructor(
    private readonly redis: Redis,
    private readonly prefix = DEFAULT_KEY_PREFIX,
    /** The Redis server's outage log: while Redis is down, skipped ticks are not logged one by one. */
    private readonly outage?: OutageLog,
  ) {}

  async acquire(jobId: string, scheduledAt: Date, ttlMs: number): Promise<(() => Promise<void>) | null> {
    const key = `${this.prefix}:tick-lock:${jobId}:${scheduledAt.getTime()}`;
    let token: number;
    try {
      token = (await this.redis.eval(
        ACQUIRE,
        2,
        key,
        `${this.prefix}:tick-lock:${jobId}:fence`,
        String(ttlMs),
      )) as number;
    } catch (error) {
      // Without Redis nobody can be elected; skipping the tick is safer than running it on every replica.
      const why = `cannot elect a replica for "${jobId}": ${redactedMessage(error)}; its ticks are skipped meanwhile`;
      if (this.outage) this.outage.note(why);
      else this.logger.warn(`${why} (tick ${scheduledAt.toISOString()})`);
      return null;
    }
    if (!token) return null;
    const renew = setInterval(
      () => {
        this.redis.eval(SET_TTL, 1, key, String(token), String(ttlMs)).then(
          (ok) =>
            ok ||
            this.logger.warn(
              `Lost the lease of "${jobId}" (fencing token ${token}); another replica may run the next tick`,
            ),
          (error: Error) =>
            this.logger.warn(`Renewing the lease of "${jobId}" failed: ${redactedMessage(error)}`),
        );
      },
      Math.max(100, Math.floor(ttlMs / 3)),
    );
    renew.unref();
    return async () => {
      clearInterval(renew);
      await this.redis.eval(SET_TTL, 1, key, String(token), String(TOMBSTONE_MS)).catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
