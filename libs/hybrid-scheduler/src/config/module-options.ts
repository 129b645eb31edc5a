import type { QueueProviderName } from '../interfaces/index.js';

export interface InternalTierOptions {
  /** Default true. With false, internal tasks (and fallbacks to this tier) fail at boot. */
  enabled?: boolean;
  /** Default time zone for cron expressions without their own; default UTC. */
  timeZone?: string;
  /** How long shutdown waits for running internal jobs before aborting their signals (default 10000). */
  shutdownTimeoutMs?: number;
}

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

export interface BullMqProviderOptions {
  connection: RedisConnection;
  /** Key prefix of every queue (default `hybrid`). */
  prefix?: string;
  /** How long a worker's lock on a running job lasts before another worker may take it over (default 30000). */
  lockDurationMs?: number;
  /** How often workers look for jobs whose worker died (stalled jobs) and put them back (default 30000). */
  stalledIntervalMs?: number;
}

export interface CloudTasksProviderOptions {
  projectId: string;
  location: string;
  queue: string;
  /** Public base URL of this app, as Cloud Tasks reaches it (https://api.example.com). */
  publicUrl: string;
  /** Path of the push endpoint (default `/hybrid-scheduler/cloud-tasks`). */
  pushPath?: string;
  /** Service account whose OIDC token Cloud Tasks attaches and the push endpoint requires. */
  serviceAccountEmail?: string;
  /** Audience of the OIDC token (default: publicUrl + pushPath). */
  audience?: string;
  dispatchDeadlineMs?: number;
  /** Create or update the queue (retry config, rate limits) at boot. */
  ensureQueue?: boolean;
  /** Local emulator; switches the client to insecure gRPC. */
  emulator?: { host: string; port: number };
  /** For tests against an emulator: where the token verifier fetches certificates, and the issuer it accepts. */
  oidc?: { certsUrl?: string; issuers?: string[] };
}

export interface QueueTierOptions {
  enabled?: boolean;
  /** Default provider of `@QueuedWorkflow`s; `bullmq` when `bullmq` is set, else `memory`. */
  provider?: QueueProviderName;
  /** `['producer', 'worker']` by default; `['producer']` lets a pod enqueue without consuming. */
  roles?: Array<'producer' | 'worker'>;
  /** How long shutdown waits for running jobs (default 30000). */
  shutdownTimeoutMs?: number;
  bullmq?: BullMqProviderOptions;
  cloudTasks?: CloudTasksProviderOptions;
}

export interface PrefectTierOptions {
  /** `http://localhost:4200/api`, or Prefect Cloud's `…/accounts/<id>/workspaces/<id>`. */
  apiUrl: string;
  /** Prefect Cloud API key (sent as Bearer). Exactly one of apiKey / authString, or neither. */
  apiKey?: string;
  /** Self-hosted basic auth `user:pass` (PREFECT_SERVER_API_AUTH_STRING). */
  authString?: string;
  workPool?: string;
  workQueues?: string[];
  pollIntervalMs?: number;
  prefetchMs?: number;
  heartbeatIntervalMs?: number;
  /** Flow runs this process executes at the same time (default 4). */
  concurrency?: number;
  workerName?: string;
  /** Register flows and deployments but run no worker. */
  registerOnly?: boolean;
  requestTimeoutMs?: number;
  shutdownTimeoutMs?: number;
  /** How often registration is retried while Prefect is unreachable (fallback: 'degrade'). */
  reconnectIntervalMs?: number;
}

export interface HybridSchedulerModuleOptions {
  internal?: InternalTierOptions;
  queue?: QueueTierOptions;
  prefect?: PrefectTierOptions;
  /** When a declared tier is unavailable: route down the chain with a warning (default) or refuse to boot. */
  fallback?: 'degrade' | 'fail';
}

/** The options after validation, with defaults applied. */
export interface ResolvedModuleOptions {
  internal: Required<Omit<InternalTierOptions, 'timeZone'>> & { timeZone: string };
  queue?: QueueTierOptions & {
    provider: QueueProviderName;
    roles: Array<'producer' | 'worker'>;
    shutdownTimeoutMs: number;
  };
  prefect?: PrefectTierOptions;
  fallback: 'degrade' | 'fail';
}
