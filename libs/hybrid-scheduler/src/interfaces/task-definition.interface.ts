import type { TaskCharacteristics, TierName } from './characteristics.interface.js';
import type { TaskSchedule } from './schedule.interface.js';
import type { InternalTaskOptions } from './internal-task-options.interface.js';
import type {
  BackoffOptions,
  PayloadClass,
  QueuedWorkflowOptions,
} from './queued-workflow-options.interface.js';
import type { PrefectDeploymentOptions } from './prefect-deployment-options.interface.js';
import type { TaskContext } from './task-context.interface.js';

/** Where a task is implemented, for error messages and `JobInfo.source`. */
export interface TaskLocation {
  className: string;
  methodName: string;
  /** Added at runtime (scheduleInternalTask, scheduleDeployment): messages say "dynamic task <name>". */
  dynamic?: boolean;
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
   * The decorator's options, exactly one of which is set. A tier reads only its own block; what every tier
   * needs (timeout, attempts, input, context shape) comes from the router's `RunPolicy`.
   */
  internal?: InternalTaskOptions;
  queue?: QueuedWorkflowOptions;
  prefect?: PrefectDeploymentOptions;
}

/** How a task runs, whichever tier runs it: built once by the router from the declared decorator's options. */
export interface RunPolicy {
  timeoutMs?: number;
  /** Tries of one run or job in total (1: no retry). */
  attempts: number;
  backoff: BackoffOptions;
  /** First argument of a scheduled or triggered run (schedulePayload, Prefect parameters); none for internal tasks. */
  input?: Record<string, unknown>;
  /** The DTO class that payloads are validated against and instantiated as, when the declaration has one. */
  payload?: PayloadClass;
  /** Calls the handler with the arguments and the context shape of the tier the task was declared for. */
  invoke(context: TaskContext, input: unknown): unknown;
}

/** A task after routing: the tier it runs on and its run policy; what every `SchedulerTier.register` gets. */
export interface RoutedTask extends TaskDefinition {
  tier: TierName;
  policy: RunPolicy;
  /** Set when the task does not run where it was declared (or, for the queue tier, not on its configured engine). */
  fallbackReason?: string;
}
