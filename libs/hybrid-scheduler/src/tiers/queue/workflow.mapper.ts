import type { QueueProviderName, RoutedTask } from '../../interfaces/index.js';
import type { EngineWorkflow } from './queue-engine.interface.js';

/** The provider this workflow runs on: its own `provider` option, else the module default. */
export function providerOf(task: RoutedTask, defaultProvider: QueueProviderName): QueueProviderName {
  return task.queue?.provider ?? defaultProvider;
}

/**
 * A routed task as engines see it: attempts, backoff, timeout and scheduled payload from the router's run policy
 * (the same for a Prefect deployment on fallback here), the rest from the `@QueuedWorkflow` options with defaults.
 */
export function toEngineWorkflow(task: RoutedTask): EngineWorkflow {
  const options = task.queue ?? {};
  return {
    name: task.name,
    attempts: task.policy.attempts,
    backoff: task.policy.backoff,
    concurrency: options.concurrency ?? 1,
    rateLimit: options.rateLimit,
    timeoutMs: task.policy.timeoutMs,
    deadLetter: options.deadLetter ?? true,
    schedule: task.schedule,
    catchUp: options.catchUp ?? 'skip',
    schedulePayload: task.policy.input ?? {},
    payload: task.policy.payload,
  };
}
