import { SetMetadata } from '@nestjs/common';
import { INTERNAL_TASK_METADATA } from '../hybrid-scheduler.constants.js';
import type { InternalTaskOptions } from '../interfaces/index.js';

/**
 * Runs the method in-process on a schedule: `every`, `cron` or a one-shot `at`. The method receives an
 * `InternalTaskContext` (job id, run id, AbortSignal, logger).
 *
 * @example @InternalTask({ name: 'health-check', every: '30s' })
 */
export const InternalTask = (options: InternalTaskOptions): MethodDecorator =>
  SetMetadata(INTERNAL_TASK_METADATA, options);
