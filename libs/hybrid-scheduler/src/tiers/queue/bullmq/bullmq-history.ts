import type { Job, Queue } from 'bullmq';
import type { RecentRun } from '../../../interfaces/index.js';
import { queueJobId } from '../../../registry/job-id.js';
import { redact } from '../../../common/redact.js';

const at = (ms: number | undefined): Date | null => (ms ? new Date(ms) : null);

function recentRun(workflow: string, job: Job, status: 'succeeded' | 'failed'): RecentRun {
  // As the worker sees it: a delayed job or a scheduler tick was due `opts.delay` after it was added.
  const delay = job.opts.delay ?? 0;
  const stack = job.stacktrace?.[job.stacktrace.length - 1];
  return {
    id: queueJobId(workflow, String(job.id)),
    status,
    attempts: job.attemptsMade,
    createdAt: at(job.timestamp),
    scheduledAt: delay > 0 || job.repeatJobKey ? new Date(job.timestamp + delay) : null,
    startedAt: at(job.processedOn),
    finishedAt: at(job.finishedOn),
    durationMs: job.processedOn && job.finishedOn ? job.finishedOn - job.processedOn : null,
    ...(status === 'failed' ? { error: redact(job.failedReason || 'failed') } : {}),
    ...(status === 'failed' && stack ? { stack: redact(stack) } : {}),
  };
}

/**
 * The newest `limit` finished jobs of a workflow's queue: BullMQ's completed set (trimmed by the worker's
 * `removeOnComplete`) and its failed set (the dead letters), merged by when they finished.
 */
export async function bullMqRecentRuns(queue: Queue, workflow: string, limit: number): Promise<RecentRun[]> {
  const [completed, failed] = await Promise.all([
    queue.getCompleted(0, limit - 1),
    queue.getFailed(0, limit - 1),
  ]);
  return [
    ...completed.filter(Boolean).map((job) => recentRun(workflow, job, 'succeeded')),
    ...failed.filter(Boolean).map((job) => recentRun(workflow, job, 'failed')),
  ]
    .sort((a, b) => (b.finishedAt?.getTime() ?? 0) - (a.finishedAt?.getTime() ?? 0))
    .slice(0, limit);
}
