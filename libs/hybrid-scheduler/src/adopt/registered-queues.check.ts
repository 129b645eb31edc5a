import type { Queue } from 'bullmq';
import type { JobInfo } from '../interfaces/index.js';

/**
 * Workflows whose name is also a queue registered with `BullModule.registerQueue()` that is not the workflow's
 * queue: another key prefix, or the workflow runs on another engine. A job added with `@InjectQueue('<name>')`
 * would then wait forever, so each one is named in a warning.
 */
export function registeredQueueProblems(
  workflows: JobInfo[],
  registeredQueue: (name: string) => Queue | undefined,
  bullmqPrefix: string,
  /** `queue.bullmq.connection` is `'from-bull-module'`: only a prefix can differ, so the fix is the prefix. */
  fromBullModule = false,
): string[] {
  const problems: string[] = [];
  for (const workflow of workflows) {
    const queue = registeredQueue(workflow.name);
    if (!queue) continue;
    const inject = `jobs added with @InjectQueue('${workflow.name}') (BullModule's queue "${queue.qualifiedName}")`;
    const provider = workflow.details?.provider;
    if (provider !== 'bullmq' || workflow.details?.inProcess) {
      const where = workflow.details?.inProcess
        ? 'the in-process memory engine'
        : `the ${String(provider)} engine`;
      problems.push(`${inject} never run workflow "${workflow.name}", which runs on ${where}`);
    } else if (queue.qualifiedName !== `${bullmqPrefix}:${workflow.name}`) {
      problems.push(
        `${inject} never run workflow "${workflow.name}", whose queue is "${bullmqPrefix}:${workflow.name}": ` +
          (fromBullModule
            ? `give BullModule and queue.bullmq.prefix the same prefix (or leave queue.bullmq.prefix out to take BullModule's)`
            : `set queue.bullmq.connection: 'from-bull-module', or the same prefix in BullModule.forRoot() and queue.bullmq.prefix`),
      );
    }
  }
  return problems;
}
