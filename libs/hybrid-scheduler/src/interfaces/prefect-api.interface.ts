import type { PrefectDeploymentOptions } from './prefect-deployment-options.interface.js';
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

/** Context of a `@PrefectDeployment` run. */
export interface FlowRunContext extends TaskContext {
  flowRunId: string;
  flowRunName: string;
  deploymentId: string;
  deploymentName: string;
  flowName: string;
  parameters: Record<string, unknown>;
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
