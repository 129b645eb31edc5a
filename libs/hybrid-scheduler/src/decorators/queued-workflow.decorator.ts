import { SetMetadata } from '@nestjs/common';
import { QUEUED_WORKFLOW_METADATA } from '../hybrid-scheduler.constants.js';
import type { QueuedWorkflowOptions } from '../interfaces/index.js';

/**
 * Makes the method a durable queued workflow: jobs are enqueued with `HybridScheduler.enqueueWorkflow()` or
 * by a `cron`/`every` schedule, retried with backoff and dead-lettered after the last attempt. The method
 * receives `(payload, ctx: WorkflowContext)`.
 */
export const QueuedWorkflow = (options: QueuedWorkflowOptions = {}): MethodDecorator =>
  SetMetadata(QUEUED_WORKFLOW_METADATA, options);
