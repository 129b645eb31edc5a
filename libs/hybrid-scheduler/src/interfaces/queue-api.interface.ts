import type { QueueProviderName } from './queued-workflow-options.interface.js';
import type { TaskContext } from './task-context.interface.js';

export interface EnqueueOptions {
  /** Run no earlier than this many ms from now. */
  delayMs?: number;
  /** Run no earlier than this date (exclusive with delayMs). */
  runAt?: Date;
  /** Enqueueing twice with the same key creates one job (while the first is known to the engine). */
  idempotencyKey?: string;
  /** Lower runs first (BullMQ semantics, 1 = highest); ignored by providers without priorities. */
  priority?: number;
}

export interface EnqueueResult {
  /** `queue:<workflow>:<job id>`. */
  id: string;
  provider: QueueProviderName;
  workflow: string;
  /** False when an idempotency key matched an existing job and nothing new was created. */
  created: boolean;
}

export interface DeadLetter {
  /** `queue:<workflow>:<job id>` of the dead-lettered job; pass it to `retryDeadLetter`. */
  id: string;
  workflow: string;
  payload: unknown;
  error: string;
  stack?: string;
  attempts: number;
  enqueuedAt: Date;
  failedAt: Date;
}

/** Context of a `@QueuedWorkflow` run. */
export interface WorkflowContext extends TaskContext {
  workflow: string;
  /** Engine job id (also the tail of `runId`'s `queue:<workflow>:<job id>`). */
  jobKey: string;
  /** How many tries the workflow gets in total. */
  maxAttempts: number;
  enqueuedAt: Date;
  /** `memory` also when the configured engine was unavailable at boot and the workflow runs in-process (fallback). */
  provider: QueueProviderName;
}

/** What the queue tier adds to the facade. */
export interface QueueTierApi {
  enqueueWorkflow(workflow: string, payload: unknown, options?: EnqueueOptions): Promise<EnqueueResult>;
  deadLetters(workflow: string): Promise<DeadLetter[]>;
  retryDeadLetter(id: string): Promise<EnqueueResult>;
  purgeDeadLetters(workflow: string): Promise<number>;
  workflows(): string[];
  hasWorkflow(workflow: string): boolean;
}
