import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { bool, int, listOf, millis, text, url } from './option-kinds.js';
import { block } from './option-section.js';

const CREDENTIALS_IN_URL = /^[a-z][\w+.-]*:\/\/[^/@]*@/i;

/**
 * `prefect`: the Prefect 3 tier. Defaults follow the Python worker where it has them (poll 10s is ours 5s,
 * prefetch 10s, heartbeat 30s).
 */
export const prefectOptions = block(
  {
    /** `http://localhost:4200/api`, or Prefect Cloud's `…/accounts/<id>/workspaces/<id>`. No credentials in it. */
    apiUrl: url({
      required: true,
      protocols: ['http', 'https'],
      env: ['HYBRID_SCHEDULER_PREFECT_API_URL', 'PREFECT_API_URL'],
      check: (value) =>
        CREDENTIALS_IN_URL.test(value)
          ? 'must not contain credentials (user:password@); give them as prefect.authString ' +
            '(PREFECT_API_AUTH_STRING), which is never logged'
          : undefined,
    }),
    /** Prefect Cloud API key (sent as Bearer). Exactly one of apiKey / authString, or neither. */
    apiKey: text({ secret: true, env: ['HYBRID_SCHEDULER_PREFECT_API_KEY', 'PREFECT_API_KEY'] }),
    /** Self-hosted basic auth `user:pass` (the server's PREFECT_SERVER_API_AUTH_STRING). */
    authString: text({
      secret: true,
      env: ['HYBRID_SCHEDULER_PREFECT_AUTH_STRING', 'PREFECT_API_AUTH_STRING'],
    }),
    /** Work pool the deployments are registered in and this worker polls (default `nestjs`). */
    workPool: text({
      default: 'nestjs',
      env: 'HYBRID_SCHEDULER_PREFECT_WORK_POOL',
      check: (pool) =>
        /^prefect/i.test(pool)
          ? `"${pool}" is reserved (Prefect answers 403 to pool names starting with "prefect")`
          : /[/%&><]/.test(pool)
            ? `"${pool}" may not contain / % & > <`
            : undefined,
    }),
    /** Work queues of the pool this worker polls (default: those of its deployments); the first holds deployments without workQueue. */
    workQueues: listOf('text', { env: 'HYBRID_SCHEDULER_PREFECT_WORK_QUEUES' }),
    /** How often the worker polls for scheduled flow runs (default 5000, at most 60000). */
    pollIntervalMs: millis({
      min: 100,
      default: 5_000,
      env: 'HYBRID_SCHEDULER_PREFECT_POLL_INTERVAL_MS',
      check: (ms) =>
        ms > 60_000
          ? `${ms} is over 60000; Prefect marks deployments NOT_READY when not polled for 60s`
          : undefined,
    }),
    /** How far ahead of their start time flow runs are claimed (default 10000). */
    prefetchMs: millis({ min: 0, default: 10_000 }),
    /**
     * A schedule tick found more than this late (the workers were down) follows its deployment's `catchUp`:
     * `skip` ends it CANCELLED as missed, `once` runs only the most recent (default 60000).
     */
    lateRunGraceMs: millis({ min: 0, default: 60_000, env: 'HYBRID_SCHEDULER_PREFECT_LATE_RUN_GRACE_MS' }),
    /** How often the worker reports itself alive (default 30000). */
    heartbeatIntervalMs: millis({ min: 1000, default: 30_000 }),
    /** Flow runs this process executes at the same time (default 4). */
    concurrency: int({ min: 1, default: 4, env: 'HYBRID_SCHEDULER_PREFECT_CONCURRENCY' }),
    /** Worker name shown in Prefect (default `nestjs-<host>-<pid>-<random>`). */
    workerName: text({
      env: 'HYBRID_SCHEDULER_PREFECT_WORKER_NAME',
      default: () => `nestjs-${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`,
    }),
    /** Register flows and deployments but run no worker (default false). */
    registerOnly: bool({ default: false, env: 'HYBRID_SCHEDULER_PREFECT_REGISTER_ONLY' }),
    /** Timeout of one request to Prefect (default 75000: a SQLite-backed server waits up to 60 s on a lock). */
    requestTimeoutMs: millis({ min: 100, default: 75_000 }),
    /** How long shutdown waits for running flow runs (default 30000). */
    shutdownTimeoutMs: millis({ min: 0, default: 30_000 }),
    /** How often registration is retried while Prefect is unreachable (fallback: 'degrade'; default 10000). */
    reconnectIntervalMs: millis({ min: 100, default: 10_000 }),
  },
  {
    rules: [
      (p) =>
        p.apiKey && p.authString
          ? 'give either apiKey (Prefect Cloud) or authString (self-hosted basic auth), not both'
          : undefined,
    ],
  },
);
