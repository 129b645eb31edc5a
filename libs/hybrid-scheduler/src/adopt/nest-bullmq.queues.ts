import type { WorkerHost } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { JobInfo, RecentRun, TriggerResult } from '../interfaces/index.js';
import { bullMqRecentRuns } from '../tiers/queue/bullmq/bullmq-history.js';
import { jobId } from '../registry/job-id.js';
import { redactedMessage } from '../common/redact.js';
import { withTimeout } from '../common/settle-within.js';
import { AdoptedJobControlError } from './adopt.errors.js';
import { ADOPTED_SOURCES, adoptedJobInfo, type AdoptedJobSource } from './adopted-job.source.js';

const SOURCE = ADOPTED_SOURCES[1];
const COUNTS = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized'] as const;
const COUNTS_TIMEOUT_MS = 2000;

/** A queue that the app consumes with its own `@Processor` class. */
export interface ProcessorQueue {
  name: string;
  /** The @Processor class. */
  className: string;
  host: WorkerHost;
  /** The queue registered with `BullModule.registerQueue()`, for its counts. */
  queue?: Queue;
}

/**
 * Queues consumed by the app's @Processor classes, listed read-only as `queue:<name>`: counts from Redis,
 * whether the worker is paused. Our own workflow queues are not listed here (they are `queue:<workflow>` jobs).
 */
export class NestBullMqQueues implements AdoptedJobSource {
  readonly source = SOURCE;
  private readonly byName: Map<string, ProcessorQueue>;

  constructor(queues: ProcessorQueue[]) {
    this.byName = new Map(queues.map((queue) => [queue.name, queue]));
  }

  async list(): Promise<JobInfo[]> {
    return Promise.all([...this.byName.values()].map((queue) => this.info(queue)));
  }

  owns(id: string): boolean {
    return id.startsWith('queue:') && this.byName.has(id.slice('queue:'.length));
  }

  async pause(id: string): Promise<void> {
    throw this.readOnly(id, 'pause');
  }

  async resume(id: string): Promise<void> {
    throw this.readOnly(id, 'resume');
  }

  async trigger(id: string): Promise<TriggerResult> {
    throw this.readOnly(id, 'trigger');
  }

  /** Read-only like the rest: BullMQ's completed and failed jobs of the registered queue. */
  async recentRuns(id: string, limit: number): Promise<{ keptBy: string; runs: RecentRun[] }> {
    const name = id.slice('queue:'.length);
    const queue = this.byName.get(name)?.queue;
    if (!queue)
      throw new AdoptedJobControlError(
        id,
        'recentRuns',
        `no queue registered with BullModule.registerQueue({ name: '${name}' })`,
      );
    return { keptBy: 'bullmq', runs: await bullMqRecentRuns(queue, name, limit) };
  }

  private readOnly(id: string, control: string): AdoptedJobControlError {
    const queue = this.byName.get(id.slice('queue:'.length));
    return new AdoptedJobControlError(
      id,
      control,
      `the queue is consumed by ${queue?.className ?? 'a'} @Processor of @nestjs/bullmq and listed read-only; ` +
        'control it with BullMQ (Queue.pause(), Worker.pause()) or move it to @QueuedWorkflow',
    );
  }

  private async info({ name, className, host, queue }: ProcessorQueue): Promise<JobInfo> {
    const details: Record<string, unknown> = { processor: className, readOnly: true, controls: [] };
    let paused = false;
    let running = 0;
    try {
      paused = host.worker.isPaused();
    } catch {
      details.worker = 'not started';
    }
    if (queue) {
      try {
        const counts = await withTimeout(
          queue.getJobCounts(...COUNTS),
          COUNTS_TIMEOUT_MS,
          () => new Error(`no answer from Redis within ${COUNTS_TIMEOUT_MS}ms`),
        );
        for (const key of COUNTS) details[key] = counts[key] ?? 0;
        running = counts.active ?? 0;
      } catch (error) {
        details.countsError = redactedMessage(error);
      }
    } else {
      details.countsError = `no queue registered with BullModule.registerQueue({ name: '${name}' })`;
    }
    return adoptedJobInfo({
      id: jobId('queue', name),
      tier: 'queue',
      name,
      schedule: 'on demand',
      source: SOURCE,
      paused,
      running,
      details,
    });
  }
}
