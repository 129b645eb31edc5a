import type {
  FlowRunContext,
  PrefectDeploymentOptions,
  RunPolicy,
  TaskContext,
  TaskDefinition,
} from '../interfaces/index.js';
import { parseJobId } from '../registry/job-id.js';
import { TierUnavailableError } from '../errors/index.js';
import { FlowSteps, localStepReporter } from '../runner/flow-steps.js';

/** Queue workflows' defaults (`@QueuedWorkflow` attempts and backoff). */
export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF = { type: 'exponential', delayMs: 1000 } as const;
const NO_RETRY = { type: 'fixed', delayMs: 0 } as const;

/**
 * The one translation of a declaration into what every tier needs: timeout, attempts, backoff, the input of
 * scheduled runs, the payload DTO and the handler's argument list and context shape. Only the router calls it,
 * so no tier reads another tier's option block.
 */
export function runPolicy(task: TaskDefinition): RunPolicy {
  if (task.queue) {
    const queue = task.queue;
    return {
      timeoutMs: queue.timeoutMs,
      attempts: queue.attempts ?? DEFAULT_ATTEMPTS,
      backoff: queue.backoff ?? { ...DEFAULT_BACKOFF },
      input: queue.schedulePayload ?? {},
      payload: queue.payload,
      // The queue tier builds the WorkflowContext: a queue workflow only ever runs there.
      invoke: (context, input) => task.handler(input, context),
    };
  }
  if (task.prefect) {
    const prefect = task.prefect;
    return {
      timeoutMs: prefect.timeoutMs,
      attempts: (prefect.retries ?? 0) + 1,
      backoff: { type: 'fixed', delayMs: (prefect.retryDelaySeconds ?? 0) * 1000 },
      input: prefect.parameters ?? {},
      // Off the Prefect tier (fallback), the handler still gets its parameters and a FlowRunContext.
      invoke: (context, input) => task.handler(input, flowRunContext(task.name, prefect, context, input)),
    };
  }
  return {
    timeoutMs: task.internal?.timeoutMs,
    attempts: 1,
    backoff: { ...NO_RETRY },
    invoke: (context) => task.handler(context),
  };
}

/** The context a Prefect deployment gets when a fallback tier runs it: what that run knows, in Prefect's shape. */
function flowRunContext(
  name: string,
  prefect: PrefectDeploymentOptions,
  base: TaskContext,
  input: unknown,
): FlowRunContext {
  const steps = new FlowSteps(localStepReporter(base.logger), base.signal, base.jobId, base.attempt);
  return {
    ...base,
    task: (stepName, fn, options) => steps.task(stepName, fn, options),
    map: (stepName, items, fn, options) => steps.map(stepName, items, fn, options),
    runDeployment: (deployment) =>
      Promise.reject(
        new TierUnavailableError(
          `ctx.runDeployment('${deployment}') needs the Prefect tier; ${name} is running on a fallback tier`,
          { engine: 'prefect' },
        ),
      ),
    flowRunId: base.runId,
    flowRunName: `${name} (fallback on ${parseJobId(base.jobId)?.tier ?? 'another tier'})`,
    deploymentId: '',
    deploymentName: prefect.name ?? 'default',
    flowName: prefect.flow ?? name,
    parameters: typeof input === 'object' && input !== null ? { ...input } : {},
  };
}
