import type { PrefectDeploymentOptions } from './prefect-deployment-options.interface.js';
import type { MapFn, MapOptions, StepFn, StepOptions } from './flow-steps.interface.js';
import type { SubflowOptions, SubflowRun } from './subflow.interface.js';
import type { TaskContext } from './task-context.interface.js';
import type { TaskHandler } from './task-definition.interface.js';

export interface FlowRunRef {
  flowRunId: string;
  name: string;
  deploymentId: string;
  /** `prefect:<flow>/<deployment>`. */
  jobId: string;
  state: string;
  /** False when an idempotency key matched an existing flow run. */
  created: boolean;
}

/**
 * Context of a `@PrefectDeployment` run: the flow run it is, and its steps. On the Prefect tier each step is a
 * task run of the flow run (own states, retries, logs, edges in the run graph); when a fallback tier runs the
 * deployment, the same steps run in process with the same retries and timeouts.
 */
export interface FlowRunContext extends TaskContext {
  /** The Prefect flow run id (the run id off the Prefect tier). */
  flowRunId: string;
  flowRunName: string;
  deploymentId: string;
  deploymentName: string;
  flowName: string;
  /** The deployment's parameters overlaid with the run's. */
  parameters: Record<string, unknown>;
  /**
   * Runs `fn` as one step: a Prefect task run named `name` (PENDING → RUNNING → COMPLETED / FAILED, retried
   * through AwaitingRetry / Retrying). Starts at once; steps not chained by `waitFor` or `await` run
   * concurrently. Resolves with `fn`'s value (kept in process, never persisted) and rejects with its error,
   * which fails the flow run unless the method catches it.
   */
  task<T>(name: string, fn: StepFn<T>, options?: StepOptions): Promise<T>;
  /**
   * One step per item, as Prefect's `.map`: task runs named `name` with distinct dynamic keys, at most
   * `options.concurrency` at once. Resolves with the results in item order; rejects with the first failure
   * once every started item has settled.
   */
  map<I, R>(name: string, items: readonly I[], fn: MapFn<I, R>, options?: MapOptions): Promise<R[]>;
  /**
   * Runs another deployment (`'<flow>/<deployment>'`, served by any worker) as a subflow: a child flow run
   * linked to this one through a parent task run (`parent_task_run_id`), so the UI nests it in this run's graph.
   * With `wait` (default) resolves once it is COMPLETED and rejects with SubflowFailedError when it ends
   * otherwise. Needs the Prefect tier (TierUnavailableError on a fallback tier).
   */
  runDeployment(
    deployment: string,
    parameters?: Record<string, unknown>,
    options?: SubflowOptions,
  ): Promise<SubflowRun>;
}

/** What the Prefect tier adds to the facade. */
export interface PrefectTierApi {
  runDeployment(
    deployment: string,
    parameters?: Record<string, unknown>,
    options?: { idempotencyKey?: string; scheduledAt?: Date },
  ): Promise<FlowRunRef>;
  scheduleDeployment(options: PrefectDeploymentOptions, handler: TaskHandler): Promise<string>;
  deployments(): string[];
}
