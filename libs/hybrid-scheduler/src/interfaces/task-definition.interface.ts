import type { TaskCharacteristics, TierName } from './characteristics.interface.js';
import type { TaskSchedule } from './schedule.interface.js';
import type { InternalTaskOptions } from './internal-task-options.interface.js';
import type { QueuedWorkflowOptions } from './queued-workflow-options.interface.js';
import type { PrefectDeploymentOptions } from './prefect-deployment-options.interface.js';

/** Where a task is implemented, for error messages and `JobInfo.source`. */
export interface TaskLocation {
  className: string;
  methodName: string;
}

/** A decorated method bound to its instance; the tier decides what it passes in (context, payload, parameters). */
export type TaskHandler = (...args: unknown[]) => unknown;

/** Everything the router and a tier need to know about one decorated method (or dynamic task). */
export interface TaskDefinition {
  name: string;
  declaredTier: TierName;
  schedule: TaskSchedule;
  characteristics: TaskCharacteristics;
  location: TaskLocation;
  handler: TaskHandler;
  /**
   * The decorator's options, exactly one of which is set. A tier running a task declared for another tier
   * (fallback) reads what it understands from `schedule` and the shared fields.
   */
  internal?: InternalTaskOptions;
  queue?: QueuedWorkflowOptions;
  prefect?: PrefectDeploymentOptions;
  /** First argument for handlers of queue/prefect tasks when a fallback tier runs them on a schedule. */
  fallbackInput?: unknown;
}
