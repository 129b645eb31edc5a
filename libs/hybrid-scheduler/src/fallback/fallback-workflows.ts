import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { DeadLetter, EnqueueOptions, EnqueueResult, TaskDefinition } from '../interfaces/index.js';
import { JobRegistry } from '../registry/job.registry.js';
import { InternalTier } from '../tiers/internal/internal.tier.js';
import { checkEnqueueOptions } from '../tiers/queue/enqueue-options.check.js';
import { payloadForHandler, validatePayload } from '../tiers/queue/payload.validator.js';
import { retryDelayMs } from '../tiers/queue/backoff.delay.js';
import { MemoryDeadLetterStore } from '../tiers/queue/memory/memory-dead-letter.store.js';

const DEFAULT_BACKOFF = { type: 'exponential', delayMs: 1000 } as const;

/**
 * Jobs enqueued into a queue workflow that runs in-process because its queue tier was unreachable at boot
 * (`fallback: 'degrade'`). Same rules as the queue tier (validation, delay, attempts, backoff, dead letters),
 * but in memory: not durable, said loudly at boot. Lives beside the facade because it uses both tiers' code.
 */
@Injectable()
export class FallbackWorkflows implements BeforeApplicationShutdown {
  private readonly logger = new Logger('HybridScheduler:FallbackWorkflows');
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly deadLetterStore = new MemoryDeadLetterStore();
  private stopped = false;

  constructor(
    private readonly internal: InternalTier,
    private readonly registry: JobRegistry,
  ) {}

  async enqueue(task: TaskDefinition, payload: unknown, options: EnqueueOptions): Promise<EnqueueResult> {
    checkEnqueueOptions(task.name, options);
    await validatePayload(task.name, payload, task.queue?.payload);
    // The same JSON round trip a queue makes, so handlers see what they would see from a real queue.
    payload = JSON.parse(JSON.stringify(payload ?? {}));
    const jobKey = randomUUID();
    const delay = options.runAt ? options.runAt.getTime() - Date.now() : (options.delayMs ?? 0);
    this.later(Math.max(0, delay), () => this.attempt(task, payload, jobKey, 1, new Date()));
    return { id: `queue:${task.name}:${jobKey}`, provider: 'internal', workflow: task.name, created: true };
  }

  async deadLetters(workflow: string): Promise<DeadLetter[]> {
    return (await this.deadLetterStore.list(workflow)).map(({ jobKey: _jobKey, ...letter }) => letter);
  }

  async retryDeadLetter(task: TaskDefinition, jobKey: string): Promise<EnqueueResult | undefined> {
    const letter = await this.deadLetterStore.take(task.name, jobKey);
    if (!letter) return undefined;
    this.later(0, () => this.attempt(task, letter.payload, jobKey, 1, new Date()));
    return { id: letter.id, provider: 'internal', workflow: task.name, created: true };
  }

  purgeDeadLetters(workflow: string): Promise<number> {
    return this.deadLetterStore.purge(workflow);
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    if (this.timers.size)
      this.logger.warn(
        `Dropping ${this.timers.size} in-process fallback job(s) not started yet (not durable)`,
      );
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private later(delayMs: number, run: () => Promise<void>): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void run();
    }, delayMs);
    this.timers.add(timer);
  }

  private async attempt(
    task: TaskDefinition,
    payload: unknown,
    jobKey: string,
    attempt: number,
    enqueuedAt: Date,
  ): Promise<void> {
    const jobId = `internal:${task.name}`;
    const result = await this.internal.runWithInput(jobId, payloadForHandler(payload, task.queue?.payload));
    if (result.status === 'completed') return;
    const error = new Error(result.error ?? 'failed');
    const attempts = task.queue?.attempts ?? 3;
    if (attempt < attempts) {
      const delayMs = retryDelayMs(task.queue?.backoff ?? DEFAULT_BACKOFF, attempt);
      this.registry.emit({
        type: 'retrying',
        jobId,
        tier: 'internal',
        name: task.name,
        attempt,
        error,
        reason: `retry in ${delayMs}ms`,
      });
      this.later(delayMs, () => this.attempt(task, payload, jobKey, attempt + 1, enqueuedAt));
      return;
    }
    await this.deadLetterStore.add({
      id: `queue:${task.name}:${jobKey}`,
      jobKey,
      workflow: task.name,
      payload,
      error: error.message,
      attempts: attempt,
      enqueuedAt,
      failedAt: new Date(),
    });
    this.logger.error(
      `Workflow "${task.name}" job ${jobKey} failed ${attempt} time(s); dead-lettered in memory: ${error.message}`,
    );
    this.registry.emit({ type: 'dead-lettered', jobId, tier: 'internal', name: task.name, attempt, error });
  }
}
