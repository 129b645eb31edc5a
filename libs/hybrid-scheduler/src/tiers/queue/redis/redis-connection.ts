import type { Redis as RedisClient, RedisOptions } from 'ioredis';
import { OutageLog } from '../../../common/outage-log.js';
import { rememberSecrets, rememberUrlSecrets } from '../../../common/redact.js';
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

const AUTH_FAILURE = /^(WRONGPASS|NOAUTH|NOPERM)\b|invalid password|invalid username-password/i;

/** Whether Redis refused our credentials (as opposed to not answering). */
export const isRedisAuthError = (error: Error): boolean => AUTH_FAILURE.test(error.message);

/**
 * `authentication failed (WRONGPASS) …` or `is unreachable (ECONNREFUSED)`, to follow "Redis at host:port":
 * a wrong password is not an outage, and the reader should know which one it is.
 */
export function describeRedisError(error: Error & { code?: string }): string {
  if (isRedisAuthError(error))
    return `refused the credentials: authentication failed (${error.message.split(/\s/)[0]}); check the password/username of queue.bullmq.connection`;
  return `is unreachable (${error.code ?? error.message})`;
}

/** The passwords of a connection are never printed, wherever a message would quote them. */
function rememberConnectionSecrets(connection: RedisConnection): void {
  if (typeof connection === 'string') return rememberUrlSecrets(connection);
  const { password, sentinelPassword } = connection;
  rememberSecrets(
    typeof password === 'string' ? password : undefined,
    typeof sentinelPassword === 'string' ? sentinelPassword : undefined,
  );
}

/** One ioredis client for a URL or an options object, with `extra` options on top. */
function newRedis(connection: RedisConnection, extra: RedisOptions): RedisClient {
  rememberConnectionSecrets(connection);
  const Redis = loadRedis();
  return typeof connection === 'string'
    ? new Redis(connection, extra)
    : new Redis({ ...(connection as RedisOptions), ...extra });
}

/**
 * One outage log per Redis server: all clients of this process to that address (BullMQ producer and workers,
 * dead letters, tick locks) report to it, so an outage is logged once, not once per client.
 */
const outages = new Map<string, OutageLog>();
export function redisOutage(connection: RedisConnection): OutageLog {
  const address = redisAddress(connection);
  let outage = outages.get(address);
  if (!outage) {
    outage = new OutageLog(`Redis at ${address}`, 'HybridScheduler:Redis');
    outages.set(address, outage);
  }
  return outage;
}

let clients = 0;

/**
 * An ioredis client whose `error` events go to the server's outage log instead of crashing the process;
 * ioredis keeps reconnecting on its own.
 */
export function createRedis(
  connection: RedisConnection,
  purpose: string,
  extra: RedisOptions = {},
): RedisClient {
  const client = newRedis(connection, extra);
  const outage = redisOutage(connection);
  const source = `${purpose}#${++clients}`;
  client.on('error', (error: Error & { code?: string }) => outage.fail(source, describeRedisError(error)));
  client.on('ready', () => outage.ok(source));
  client.on('end', () => outage.forget(source));
  return client;
}

/** Connects once and PINGs, failing within `timeoutMs` with a reason that names the address. */
/** Resolves once `client` is `ready` (at once if it is); never rejects (bound it with settleWithin). */
export const redisReady = (client: RedisClient): Promise<void> =>
  client.status === 'ready'
    ? Promise.resolve()
    : new Promise((resolve) => client.once('ready', () => resolve()));

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
    return `Redis at ${redisAddress(connection)} ${describeRedisError(cause)}`;
  } finally {
    client.disconnect();
  }
}
