import type { QueueProviderName, TaskDefinition } from '../../interfaces/index.js';
import type { EngineWorkflow } from './queue-engine.interface.js';

export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF = { type: 'exponential', delayMs: 1000 } as const;

/** The provider this workflow runs on: its own `provider` option, else the module default. */
export function providerOf(task: TaskDefinition, defaultProvider: QueueProviderName): QueueProviderName {
  return task.queue?.provider ?? defaultProvider;
}

/** A validated `@QueuedWorkflow` definition with defaults applied, as providers see it. */
export function toProviderWorkflow(task: TaskDefinition): EngineWorkflow {
  const options = task.queue ?? {};
  // A Prefect deployment falling back to this tier keeps its retry policy and default parameters.
  const prefect = task.prefect;
  return {
    name: task.name,
    attempts: options.attempts ?? (prefect ? (prefect.retries ?? 0) + 1 : DEFAULT_ATTEMPTS),
    backoff:
      options.backoff ??
      (prefect
        ? { type: 'fixed', delayMs: (prefect.retryDelaySeconds ?? 0) * 1000 }
        : { ...DEFAULT_BACKOFF }),
    concurrency: options.concurrency ?? 1,
    rateLimit: options.rateLimit,
    timeoutMs: options.timeoutMs ?? prefect?.timeoutMs,
    deadLetter: options.deadLetter ?? true,
    schedule: task.schedule,
    catchUp: options.catchUp ?? 'skip',
    schedulePayload: options.schedulePayload ?? prefect?.parameters ?? {},
    payload: options.payload,
  };
}

/** `queue:<workflow>:<jobKey>`; the inverse is `parseQueueJobId`. */
export const queueJobId = (workflow: string, jobKey: string): string => `queue:${workflow}:${jobKey}`;

export function parseQueueJobId(id: string): { workflow: string; jobKey: string } | undefined {
  const match = /^queue:([^:]+):(.+)$/.exec(id);
  return match ? { workflow: match[1], jobKey: match[2] } : undefined;
}
