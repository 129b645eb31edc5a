import { INTERNAL_TASK_METADATA } from '../hybrid-scheduler.constants.js';
import type { InternalTaskOptions } from '../interfaces/index.js';
import { taskMethodDecorator } from './task-method.decorator.js';

/**
 * Runs the method in-process on a schedule: `every`, `cron` or a one-shot `at`. The method receives an
 * `InternalTaskContext` (job id, run id, AbortSignal, logger). On a property, accessor or static method it
 * throws `InvalidTaskOptionsError` when the class is defined.
 *
 * @example @InternalTask({ name: 'health-check', every: '30s' })
 */
export const InternalTask = (options: InternalTaskOptions): MethodDecorator =>
  taskMethodDecorator('InternalTask', INTERNAL_TASK_METADATA, options);
