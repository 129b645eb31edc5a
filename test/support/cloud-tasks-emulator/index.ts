import { grpc } from 'google-gax';
import { cloudTasksHandlers, toGrpcImplementation } from './cloud-tasks.service.js';
import { toDuration } from './backoff.js';
import type { DispatchRecord, QueueMessage, RetryConfig, RateLimits } from './emulator.types.js';
import { OidcIssuer, type IdTokenClaims, type SignOptions } from './oidc.issuer.js';
import { RpcError } from './rpc-error.js';
import { TaskEngine } from './task.engine.js';
import { loadCloudTasksService } from './protos.js';

export type { DispatchRecord, IdTokenClaims, SignOptions };

export interface CloudTasksEmulatorOptions {
  /** Interface both servers listen on (default 127.0.0.1). */
  host?: string;
  /** gRPC port (default 0: a free port). */
  port?: number;
  /** Port of the OIDC endpoints (`/certs`, `/jwks`, discovery); default 0. */
  oidcPort?: number;
  /** `iss` of the tokens it signs; default the OIDC server's own URL. */
  issuer?: string;
  /** Multiplies every retry backoff, so tests can use real-looking retry configs (default 1). */
  timeScale?: number;
  /** Multiplies every dispatch deadline (default 1). */
  deadlineScale?: number;
  /** How long a finished or deleted task name is refused (default 1 hour, like the real service). */
  tombstoneTtlMs?: number;
  /** Called after every HTTP delivery attempt (the CLI prints them). */
  onDispatch?: (record: DispatchRecord) => void;
}

/** Queue settings in milliseconds, for tests and the CLI (the gRPC API takes Durations). */
export interface QueueSettings {
  maxAttempts?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  maxDoublings?: number;
  maxRetryDurationMs?: number;
  rateLimits?: Omit<RateLimits, 'maxBurstSize'>;
  paused?: boolean;
}

export interface CloudTasksEmulator {
  host: string;
  port: number;
  /** What to pass to the provider: `{ emulator: { host, port }, oidc: { certsUrl, issuers } }`. */
  issuer: string;
  certsUrl: string;
  /** Every HTTP delivery so far, in order. */
  dispatches(): DispatchRecord[];
  /** Names (short ids) of the tasks that currently exist. */
  taskIds(queue?: string): string[];
  /** Number of CreateTask calls received, including refused ones. */
  createTaskCalls(): number;
  queuePath(project: string, location: string, queue: string): string;
  /** Creates or replaces a queue directly (the real client's createQueue works too). */
  createQueue(name: string, settings?: QueueSettings): QueueMessage;
  /** Fails the next `count` CreateTask calls with `code` (default UNAVAILABLE), before anything is stored. */
  failNextCreates(count: number, code?: grpc.status): void;
  /** A token as Cloud Tasks mints it, with claims overridden or signed by a foreign key. */
  signToken(
    email: string,
    audience: string,
    overrides?: Partial<IdTokenClaims>,
    options?: SignOptions,
  ): string;
  /** Resolves once nothing is in flight, nothing is due and no task waits for a retry. */
  awaitIdle(timeoutMs?: number): Promise<void>;
  /** Forgets queues, tasks, tombstones, the dispatch log and injected failures. */
  reset(): void;
  /** Closes the gRPC port (the API is unreachable); the tasks it holds stay and are still pushed. */
  down(): Promise<void>;
  /** Listens again on the same port, with the same queues and tasks. */
  up(): Promise<void>;
  stop(): Promise<void>;
}

function retryConfig(settings: QueueSettings): RetryConfig {
  const config: RetryConfig = {};
  if (settings.maxAttempts !== undefined) config.maxAttempts = settings.maxAttempts;
  if (settings.minBackoffMs !== undefined) config.minBackoff = toDuration(settings.minBackoffMs);
  if (settings.maxBackoffMs !== undefined) config.maxBackoff = toDuration(settings.maxBackoffMs);
  if (settings.maxDoublings !== undefined) config.maxDoublings = settings.maxDoublings;
  if (settings.maxRetryDurationMs !== undefined)
    config.maxRetryDuration = toDuration(settings.maxRetryDurationMs);
  return config;
}

/**
 * A Google Cloud Tasks v2 emulator for tests and local development: the real `@google-cloud/tasks` client
 * talks gRPC to it, it pushes HTTP tasks to their URL with Cloud Tasks' headers and an OIDC token, and
 * retries non-2xx answers with the queue's backoff.
 */
export async function startCloudTasksEmulator(
  options: CloudTasksEmulatorOptions = {},
): Promise<CloudTasksEmulator> {
  const host = options.host ?? '127.0.0.1';
  const issuer = new OidcIssuer(options.issuer);
  await issuer.listen(host, options.oidcPort ?? 0);
  const engine = new TaskEngine({
    timeScale: options.timeScale ?? 1,
    deadlineScale: options.deadlineScale ?? 1,
    tombstoneTtlMs: options.tombstoneTtlMs ?? 3_600_000,
    mintToken: (email, audience) => issuer.token(email, audience),
    onDispatch: options.onDispatch,
  });
  let createCalls = 0;
  let failures: { count: number; code: grpc.status } = { count: 0, code: grpc.status.UNAVAILABLE };
  const handlers = cloudTasksHandlers(engine, {
    beforeCreateTask: () => {
      createCalls++;
      if (failures.count > 0) {
        failures.count--;
        throw new RpcError(failures.code, 'The service is currently unavailable (injected by the emulator).');
      }
    },
  });
  const listen = async (at: number): Promise<{ server: grpc.Server; port: number }> => {
    const server = new grpc.Server();
    server.addService(loadCloudTasksService(), toGrpcImplementation(handlers));
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${at}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    return { server, port };
  };
  const first = await listen(options.port ?? 0);
  const port = first.port;
  let server = first.server;
  let listening = true;

  return {
    host,
    port,
    issuer: issuer.issuer,
    certsUrl: issuer.certsUrl,
    dispatches: () => [...engine.log],
    taskIds: (queue) =>
      [...engine.tasks.values()]
        .filter((t) => !queue || t.queueName === queue)
        .map((t) => t.name.split('/').pop()!),
    createTaskCalls: () => createCalls,
    queuePath: (project, location, queue) => `projects/${project}/locations/${location}/queues/${queue}`,
    createQueue: (name, settings = {}) =>
      engine.putQueue({
        name,
        retryConfig: retryConfig(settings),
        rateLimits: settings.rateLimits,
        state: settings.paused ? 'PAUSED' : 'RUNNING',
      }),
    failNextCreates: (count, code = grpc.status.UNAVAILABLE) => {
      failures = { count, code };
    },
    signToken: (email, audience, overrides, signOptions) =>
      issuer.token(email, audience, overrides, signOptions),
    awaitIdle: async (timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!engine.isIdle()) {
        if (Date.now() > deadline)
          throw new Error(
            `Cloud Tasks emulator not idle after ${timeoutMs}ms; tasks: ${engine.busyTasks().join(', ')}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    reset: () => {
      engine.reset();
      failures = { count: 0, code: grpc.status.UNAVAILABLE };
      createCalls = 0;
    },
    down: async () => {
      listening = false;
      server.forceShutdown();
    },
    up: async () => {
      if (listening) return;
      ({ server } = await listen(port));
      listening = true;
    },
    stop: async () => {
      engine.stop();
      // Graceful first; a client that was never closed would otherwise hold the shutdown open.
      await Promise.race([
        new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
        new Promise((resolve) => setTimeout(resolve, 500)),
      ]);
      server.forceShutdown();
      await issuer.close();
    },
  };
}
