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
const MAX_TIMER_MS = 2_147_483_647;

interface FallbackJob {
  task: TaskDefinition;
  payload: unknown;
  jobKey: string;
  attempt: number;
  enqueuedAt: Date;
  idempotencyKey?: string;
}

/**
 * Jobs enqueued into a queue workflow that runs in-process because its queue tier was unreachable at boot
 * (`fallback: 'degrade'`): validation, delay, idempotency keys, concurrency, attempts, backoff and dead letters
 * like the memory provider, but not durable (said loudly at boot). It sits beside the facade because it uses
 * code of both tiers; tiers themselves never import each other.
 */
@Injectable()
export class FallbackWorkflows implements BeforeApplicationShutdown {
  private readonly logger = new Logger('HybridScheduler:FallbackWorkflows');
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly deadLetterStore = new MemoryDeadLetterStore();
  /** Idempotency key → job key, while that job is waiting or running (as in BullMQ's simple deduplication). */
  private readonly keys = new Map<string, string>();
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, FallbackJob[]>();
  private stopped = false;

  constructor(
    private readonly internal: InternalTier,
    private readonly registry: JobRegistry,
  ) {}

  async enqueue(task: TaskDefinition, payload: unknown, options: EnqueueOptions): Promise<EnqueueResult> {
    checkEnqueueOptions(task.name, options);
    await validatePayload(task.name, payload, task.queue?.payload);
    const keyId = options.idempotencyKey ? `${task.name}\u0000${options.idempotencyKey}` : undefined;
    const existing = keyId ? this.keys.get(keyId) : undefined;
    if (existing)
      return {
        id: `queue:${task.name}:${existing}`,
        provider: 'internal',
        workflow: task.name,
        created: false,
      };
    const jobKey = randomUUID();
    if (keyId) this.keys.set(keyId, jobKey);
    // The same JSON round trip a queue makes, so handlers see what they would see from a real queue.
    const job: FallbackJob = {
      task,
      payload: JSON.parse(JSON.stringify(payload ?? {})),
      jobKey,
      attempt: 1,
      enqueuedAt: new Date(),
      idempotencyKey: keyId,
    };
    const delay = options.runAt ? options.runAt.getTime() - Date.now() : (options.delayMs ?? 0);
    this.later(Math.max(0, delay), () => this.admit(job));
    return { id: `queue:${task.name}:${jobKey}`, provider: 'internal', workflow: task.name, created: true };
  }

  async deadLetters(workflow: string): Promise<DeadLetter[]> {
    return (await this.deadLetterStore.list(workflow)).map(({ jobKey: _jobKey, ...letter }) => letter);
  }

  async retryDeadLetter(task: TaskDefinition, jobKey: string): Promise<EnqueueResult | undefined> {
    const letter = await this.deadLetterStore.take(task.name, jobKey);
    if (!letter) return undefined;
    this.later(0, () =>
      this.admit({ task, payload: letter.payload, jobKey, attempt: 1, enqueuedAt: new Date() }),
    );
    return { id: letter.id, provider: 'internal', workflow: task.name, created: true };
  }

  purgeDeadLetters(workflow: string): Promise<number> {
    return this.deadLetterStore.purge(workflow);
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    const pending = this.timers.size + [...this.waiting.values()].reduce((sum, list) => sum + list.length, 0);
    if (pending)
      this.logger.warn(`Dropping ${pending} in-process fallback job(s) not started yet (not durable)`);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.waiting.clear();
  }

  /** Long delays wait in steps: Node fires timeouts over ~24.8 days after 1 ms. */
  private later(delayMs: number, run: () => Promise<void>): void {
    if (this.stopped) return;
    const step = Math.min(delayMs, MAX_TIMER_MS);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (delayMs > step) return this.later(delayMs - step, run);
      run().catch((error: Error) =>
        this.logger.error(`A fallback job could not run: ${error.message}`, error.stack),
      );
    }, step);
    this.timers.add(timer);
  }

  /** Starts the job when the workflow has a free slot (its `concurrency`), else queues it. */
  private async admit(job: FallbackJob): Promise<void> {
    const name = job.task.name;
    if ((this.active.get(name) ?? 0) >= (job.task.queue?.concurrency ?? 1)) {
      this.waiting.set(name, [...(this.waiting.get(name) ?? []), job]);
      return;
    }
    this.active.set(name, (this.active.get(name) ?? 0) + 1);
    try {
      await this.attempt(job);
    } finally {
      this.active.set(name, (this.active.get(name) ?? 1) - 1);
      const next = this.waiting.get(name)?.shift();
      if (next && !this.stopped) void this.admit(next).catch(() => undefined);
    }
  }

  private async attempt(job: FallbackJob): Promise<void> {
    const { task, attempt } = job;
    const attempts = task.queue?.attempts ?? 3;
    const jobId = `internal:${task.name}`;
    if (!this.registry.has(jobId)) return this.forget(job); // the workflow was removed meanwhile
    const result = await this.internal.runWithInput(
      jobId,
      payloadForHandler(job.payload, task.queue?.payload),
      attempt >= attempts,
    );
    if (result.status === 'completed') return this.forget(job);
    const error = result.cause ?? new Error(result.error ?? 'failed');
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
      this.later(delayMs, () => this.admit({ ...job, attempt: attempt + 1 }));
      return;
    }
    this.forget(job);
    if (task.queue?.deadLetter === false) return;
    await this.deadLetterStore.add({
      id: `queue:${task.name}:${job.jobKey}`,
      jobKey: job.jobKey,
      workflow: task.name,
      payload: job.payload,
      error: error.message,
      stack: error.stack,
      attempts: attempt,
      enqueuedAt: job.enqueuedAt,
      failedAt: new Date(),
    });
    this.logger.error(
      `Workflow "${task.name}" job ${job.jobKey} failed ${attempt} time(s); dead-lettered in memory: ${error.message}`,
    );
    this.registry.emit({ type: 'dead-lettered', jobId, tier: 'internal', name: task.name, attempt, error });
  }

  private forget(job: FallbackJob): void {
    if (job.idempotencyKey && this.keys.get(job.idempotencyKey) === job.jobKey)
      this.keys.delete(job.idempotencyKey);
  }
}
