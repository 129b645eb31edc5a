import type { HybridSchedulerModuleOptions } from './module-options.js';

type Env = Record<string, string | undefined>;

const int = (value: string | undefined): number | undefined =>
  value === undefined || value === '' ? undefined : Number(value);
const bool = (value: string | undefined): boolean | undefined =>
  value === undefined || value === '' ? undefined : /^(1|true|yes|on)$/i.test(value);
const list = (value: string | undefined): string[] | undefined =>
  value
    ? value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : undefined;

/** Drops undefined keys (and objects left empty) so that validation sees only what was set. */
const compact = <T extends object>(value: T): T | undefined => {
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  return entries.length ? (Object.fromEntries(entries) as T) : undefined;
};

/**
 * Module options from `HYBRID_SCHEDULER_*` variables (plus the conventional `REDIS_URL`, `PREFECT_API_URL`,
 * `PREFECT_API_KEY`, `PREFECT_API_AUTH_STRING`). The table of names is in the README.
 */
export function hybridSchedulerOptionsFromEnv(env: Env = process.env): HybridSchedulerModuleOptions {
  const redisUrl = env.HYBRID_SCHEDULER_REDIS_URL ?? env.REDIS_URL;
  const prefectUrl = env.HYBRID_SCHEDULER_PREFECT_API_URL ?? env.PREFECT_API_URL;
  const cloudTasksProject = env.HYBRID_SCHEDULER_CLOUD_TASKS_PROJECT;
  const emulator = env.HYBRID_SCHEDULER_CLOUD_TASKS_EMULATOR; // host:port
  return (
    compact({
      fallback: env.HYBRID_SCHEDULER_FALLBACK as HybridSchedulerModuleOptions['fallback'],
      internal: compact({
        enabled: bool(env.HYBRID_SCHEDULER_INTERNAL_ENABLED),
        timeZone: env.HYBRID_SCHEDULER_TIME_ZONE,
        shutdownTimeoutMs: int(env.HYBRID_SCHEDULER_SHUTDOWN_TIMEOUT_MS),
      }),
      queue: compact({
        enabled: bool(env.HYBRID_SCHEDULER_QUEUE_ENABLED),
        provider: env.HYBRID_SCHEDULER_QUEUE_PROVIDER as 'memory' | 'bullmq' | 'cloud-tasks' | undefined,
        roles: list(env.HYBRID_SCHEDULER_QUEUE_ROLES) as Array<'producer' | 'worker'> | undefined,
        shutdownTimeoutMs: int(env.HYBRID_SCHEDULER_QUEUE_SHUTDOWN_TIMEOUT_MS),
        bullmq: redisUrl
          ? compact({ connection: redisUrl, prefix: env.HYBRID_SCHEDULER_QUEUE_PREFIX })
          : undefined,
        cloudTasks: cloudTasksProject
          ? {
              projectId: cloudTasksProject,
              location: env.HYBRID_SCHEDULER_CLOUD_TASKS_LOCATION ?? '',
              queue: env.HYBRID_SCHEDULER_CLOUD_TASKS_QUEUE ?? '',
              publicUrl: env.HYBRID_SCHEDULER_CLOUD_TASKS_PUBLIC_URL ?? '',
              serviceAccountEmail: env.HYBRID_SCHEDULER_CLOUD_TASKS_SERVICE_ACCOUNT,
              audience: env.HYBRID_SCHEDULER_CLOUD_TASKS_AUDIENCE,
              emulator: emulator
                ? {
                    host: emulator.slice(0, emulator.lastIndexOf(':')),
                    port: Number(emulator.slice(emulator.lastIndexOf(':') + 1)),
                  }
                : undefined,
            }
          : undefined,
      }),
      prefect: prefectUrl
        ? compact({
            apiUrl: prefectUrl,
            apiKey: env.PREFECT_API_KEY,
            authString: env.PREFECT_API_AUTH_STRING,
            workPool: env.HYBRID_SCHEDULER_PREFECT_WORK_POOL,
            workQueues: list(env.HYBRID_SCHEDULER_PREFECT_WORK_QUEUES),
            pollIntervalMs: int(env.HYBRID_SCHEDULER_PREFECT_POLL_INTERVAL_MS),
            concurrency: int(env.HYBRID_SCHEDULER_PREFECT_CONCURRENCY),
            workerName: env.HYBRID_SCHEDULER_PREFECT_WORKER_NAME,
            registerOnly: bool(env.HYBRID_SCHEDULER_PREFECT_REGISTER_ONLY),
          })
        : undefined,
    }) ?? {}
  );
}
