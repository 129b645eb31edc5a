import { custom, millis, text } from './option-kinds.js';
import { block } from './option-section.js';
import { shownUrl, urlProblem } from './url-value.js';

/** A Redis URL (`redis://user:pass@host:6379/0`) or ioredis options. */
export type RedisConnection =
  | string
  | {
      host?: string;
      port?: number;
      password?: string;
      username?: string;
      db?: number;
      [option: string]: unknown;
    };

const redisConnection = custom<RedisConnection>(
  "redis:// or rediss:// URL, ioredis options, or 'from-bull-module'",
  (value) =>
    typeof value === 'string'
      ? value === 'from-bull-module'
        ? undefined
        : urlProblem(value, ['redis', 'rediss'], "'from-bull-module'")
      : typeof value === 'object' && value !== null && !Array.isArray(value)
        ? undefined
        : 'must be a redis:// URL or an ioredis options object',
  shownUrl,
);

/** `queue.bullmq`: the BullMQ engine (Redis). */
export const bullmqOptions = block({
  /**
   * A Redis URL (`redis://user:pass@host:6379/0`), ioredis options, or `'from-bull-module'`: the connection
   * (and, unless `prefix` is given, the prefix) of @nestjs/bullmq's `BullModule.forRoot()` (adopt/).
   */
  connection: redisConnection({ required: true, env: ['HYBRID_SCHEDULER_REDIS_URL', 'REDIS_URL'] }),
  /** Key prefix of every queue (default `hybrid`). */
  prefix: text({ env: 'HYBRID_SCHEDULER_QUEUE_PREFIX' }),
  /** How long a worker's lock on a running job lasts before another worker may take it over (default 30000). */
  lockDurationMs: millis({ min: 1000 }),
  /** How often workers look for jobs whose worker died (stalled jobs) and put them back (default 30000). */
  stalledIntervalMs: millis({ min: 500 }),
});
