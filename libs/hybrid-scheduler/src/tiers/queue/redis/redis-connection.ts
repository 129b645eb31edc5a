import { Logger } from '@nestjs/common';
import type { Redis as RedisClient, RedisOptions } from 'ioredis';
import { withTimeout } from '../../../common/settle-within.js';
import { requireOptional } from '../optional-module.js';
import type { RedisConnection } from '../../../config/module-options.js';

type RedisConstructor = typeof import('ioredis').Redis;
const loadRedis = (): RedisConstructor =>
  requireOptional<typeof import('ioredis')>('ioredis', 'A Redis connection (queue.bullmq)').Redis;

/** `host:port` of a connection, for messages (never the password). */
export function redisAddress(connection: RedisConnection): string {
  if (typeof connection === 'string') {
    try {
      const url = new URL(connection);
      return `${url.hostname || '127.0.0.1'}:${url.port || 6379}`;
    } catch {
      return 'an invalid Redis URL';
    }
  }
  return `${connection.host ?? '127.0.0.1'}:${connection.port ?? 6379}`;
}

/** One ioredis client for a URL or an options object, with `extra` options on top. */
function newRedis(connection: RedisConnection, extra: RedisOptions): RedisClient {
  const Redis = loadRedis();
  return typeof connection === 'string'
    ? new Redis(connection, extra)
    : new Redis({ ...(connection as RedisOptions), ...extra });
}

/**
 * An ioredis client whose `error` events are logged (at most once per distinct message in a row) instead of
 * crashing the process; ioredis keeps reconnecting on its own.
 */
export function createRedis(
  connection: RedisConnection,
  purpose: string,
  extra: RedisOptions = {},
): RedisClient {
  const client = newRedis(connection, extra);
  const logger = new Logger(`HybridScheduler:Redis`);
  let last = '';
  client.on('error', (error: Error & { code?: string }) => {
    const message = error.code ?? error.message;
    if (message !== last) logger.warn(`${purpose}: Redis at ${redisAddress(connection)}: ${error.message}`);
    last = message;
  });
  client.on('ready', () => {
    if (last) logger.log(`${purpose}: reconnected to Redis at ${redisAddress(connection)}`);
    last = '';
  });
  return client;
}

/** Connects once and PINGs, failing within `timeoutMs` with a reason that names the address. */
export async function probeRedis(connection: RedisConnection, timeoutMs = 3000): Promise<string | undefined> {
  const client = newRedis(connection, {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    enableOfflineQueue: false,
  });
  let lastError: (Error & { code?: string }) | undefined;
  client.on('error', (error: Error) => (lastError = error));
  try {
    await withTimeout(
      client.connect().then(() => client.ping()),
      timeoutMs,
      () => new Error(`no answer within ${timeoutMs}ms`),
    );
    return undefined;
  } catch (error) {
    const cause = lastError ?? (error as Error & { code?: string });
    return `Redis at ${redisAddress(connection)} is unreachable (${cause.code ?? cause.message})`;
  } finally {
    client.disconnect();
  }
}
