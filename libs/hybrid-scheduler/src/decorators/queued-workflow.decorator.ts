import { QUEUED_WORKFLOW_METADATA } from '../hybrid-scheduler.constants.js';
import type { QueuedWorkflowOptions } from '../interfaces/index.js';
import { taskMethodDecorator } from './task-method.decorator.js';

/**
 * Makes the method a durable queued workflow: jobs are enqueued with `HybridScheduler.enqueueWorkflow()` or
 * by a `cron`/`every` schedule, retried with backoff and dead-lettered after the last attempt. The method
 * receives `(payload, ctx: WorkflowContext)`. On a property, accessor or static method it throws
 * `InvalidTaskOptionsError` when the class is defined.
 */
export const QueuedWorkflow = (options: QueuedWorkflowOptions = {}): MethodDecorator =>
  taskMethodDecorator('QueuedWorkflow', QUEUED_WORKFLOW_METADATA, options);
