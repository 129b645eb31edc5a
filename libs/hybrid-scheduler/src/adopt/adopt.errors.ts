import { HybridSchedulerError } from '../errors/index.js';

/**
 * A control (`pause`, `resume`, `trigger`, `removeJob`) that a job adopted from @nestjs/schedule or
 * @nestjs/bullmq does not offer; the message names the job, the control and why.
 */
export class AdoptedJobControlError extends HybridSchedulerError {
  constructor(
    readonly jobId: string,
    readonly control: string,
    reason: string,
  ) {
    super(`${control}("${jobId}") is not available: ${reason}`);
  }
}

/** `queue.bullmq.connection: 'from-bull-module'` without a `BullModule.forRoot()` to take it from. */
export class BullModuleConnectionError extends HybridSchedulerError {}
