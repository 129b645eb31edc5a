import type { DeadLetter, EnqueueOptions, TierAvailability, TierHealth } from '../../../interfaces/index.js';
import { DeadLetterNotFoundError, WorkflowNotFoundError } from '../../../errors/index.js';
import type { DeadLetterStore } from '../dead-letter-store.interface.js';
import type {
  EnqueuedJob,
  JobProcessor,
  EngineEvents,
  EngineWorkflow,
  QueueEngine,
  JobHeaders,
} from '../queue-engine.interface.js';
import { queueJobId } from '../../../registry/job-id.js';
import { MemoryWorkflowQueue } from './memory-workflow.queue.js';

/**
 * The embedded default: the same semantics as the durable providers (delay, attempts, backoff, concurrency,
 * rate limits, dead letters, schedules) in process memory. Not durable and single-process: waiting jobs are
 * gone after a restart, and every replica has its own queue.
 */
export class MemoryQueueEngine implements QueueEngine {
  readonly name = 'memory' as const;
  private readonly queues = new Map<string, MemoryWorkflowQueue>();

  constructor(private readonly deadLetterStore: DeadLetterStore) {}

  async probe(): Promise<TierAvailability> {
    return { available: true };
  }

  addWorkflow(workflow: EngineWorkflow, processor: JobProcessor, events: EngineEvents): void {
    this.queues.set(
      workflow.name,
      new MemoryWorkflowQueue(workflow, processor, events, this.deadLetterStore),
    );
  }

  async start(consume: boolean): Promise<void> {
    for (const queue of this.queues.values()) queue.start(consume);
  }

  async stopConsuming(): Promise<void> {
    for (const queue of this.queues.values()) queue.stopConsuming();
  }

  async close(drainMs: number): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close(drainMs)));
  }

  async removeWorkflow(workflow: string): Promise<void> {
    this.queue(workflow).retire();
    this.queues.delete(workflow);
  }

  async enqueue(
    workflow: string,
    payload: unknown,
    options: EnqueueOptions,
    headers?: JobHeaders,
  ): Promise<EnqueuedJob> {
    return this.queue(workflow).enqueue(JSON.stringify(payload), options, 1, undefined, undefined, headers);
  }

  async deadLetters(workflow: string): Promise<DeadLetter[]> {
    return (await this.deadLetterStore.list(workflow)).map(({ jobKey: _jobKey, ...letter }) => letter);
  }

  async retryDeadLetter(workflow: string, jobKey: string): Promise<EnqueuedJob> {
    const letter = await this.deadLetterStore.take(workflow, jobKey);
    if (!letter) throw new DeadLetterNotFoundError(queueJobId(workflow, jobKey));
    return this.queue(workflow).enqueue(JSON.stringify(letter.payload), {}, 1, jobKey);
  }

  async purgeDeadLetters(workflow: string): Promise<number> {
    return this.deadLetterStore.purge(workflow);
  }

  async counts(workflow: string): Promise<Record<string, number>> {
    const dead = await this.deadLetterStore.count(workflow);
    return { ...this.queue(workflow).counts(), failed: dead, dead };
  }

  async nextRunAt(workflow: string): Promise<Date | null> {
    return this.queue(workflow).nextRunAt();
  }

  async pause(workflow: string): Promise<void> {
    this.queue(workflow).paused = true;
  }

  async resume(workflow: string): Promise<void> {
    this.queue(workflow).resume();
  }

  async health(): Promise<TierHealth> {
    return { status: 'up', details: { provider: 'memory', durable: false, workflows: this.queues.size } };
  }

  private queue(workflow: string): MemoryWorkflowQueue {
    const queue = this.queues.get(workflow);
    if (!queue) throw new WorkflowNotFoundError(workflow, [...this.queues.keys()]);
    return queue;
  }
}
