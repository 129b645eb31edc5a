import { WaitingJobs } from './memory-waiting.js';
import { randomUUID } from 'node:crypto';
import { settleWithin } from '../../../common/settle-within.js';
import { timerAfter, type LongTimer } from '../../../common/timers.js';
import type { EnqueueOptions } from '../../../interfaces/index.js';
import { retryDelayMs } from '../backoff.delay.js';
import { deadLetterOf, type DeadLetterStore } from '../dead-letter-store.interface.js';
import type {
  DeliveredJob,
  EnqueuedJob,
  JobProcessor,
  EngineEvents,
  EngineWorkflow,
  JobHeaders,
} from '../queue-engine.interface.js';
import { MemoryRateLimit } from './memory-rate-limit.js';
import { MemorySchedule } from './memory-schedule.js';

interface MemoryJob extends DeliveredJob {
  /** The payload as JSON, so handlers see what a durable provider would deliver (Dates become strings). */
  json: string;
  priority: number;
  idempotencyKey?: string;
  seq: number;
}

let seq = 0;

/** One workflow of the memory provider: waiting list, delayed timers, active runs; ticks come from MemorySchedule. */
export class MemoryWorkflowQueue {
  private readonly waiting = new WaitingJobs<MemoryJob>();
  private readonly delayed = new Map<string, { job: MemoryJob; timer: LongTimer; dueAt: number }>();
  private readonly active = new Map<string, Promise<void>>();
  private readonly idempotency = new Map<string, string>();
  private readonly controller = new AbortController();
  private readonly rate: MemoryRateLimit;
  private readonly schedule?: MemorySchedule;
  private consuming = false;
  /** Removed from the tier: a run still going that fails is dead-lettered instead of retried. */
  private retired = false;
  paused = false;

  constructor(
    readonly workflow: EngineWorkflow,
    private readonly processor: JobProcessor,
    private readonly events: EngineEvents,
    private readonly deadLetters: DeadLetterStore,
  ) {
    this.rate = new MemoryRateLimit(workflow.rateLimit, () => this.pump());
    const { kind } = workflow.schedule;
    if (kind === 'every' || kind === 'cron') {
      this.schedule = new MemorySchedule(
        workflow,
        events,
        () => this.paused,
        (tick) => this.enqueue(JSON.stringify(workflow.schedulePayload), {}, 1, randomUUID(), tick),
      );
    }
  }

  start(consume: boolean): void {
    this.consuming = consume;
    if (consume) this.schedule?.start();
    this.pump();
  }

  stopConsuming(): void {
    this.consuming = false;
    this.schedule?.stop();
    this.rate.stop();
  }

  /** Stops the schedule and the consumer and drops delayed jobs; active runs finish on their own. */
  retire(): void {
    this.retired = true;
    this.stopConsuming();
    for (const { timer } of this.delayed.values()) timer.clear();
    this.delayed.clear();
    this.waiting.clear();
  }

  /** Waits for active runs up to `drainMs`, then aborts them; waiting and delayed jobs are dropped (not durable). */
  async close(drainMs: number): Promise<void> {
    this.stopConsuming();
    for (const { timer } of this.delayed.values()) timer.clear();
    await settleWithin(this.active.values(), drainMs);
    if (this.active.size) this.controller.abort(new Error('application shutdown'));
  }

  enqueue(
    payloadJson: string,
    options: EnqueueOptions,
    attempt = 1,
    jobKey: string = randomUUID(),
    tick?: Date,
    headers?: JobHeaders,
  ): EnqueuedJob {
    if (options.idempotencyKey) {
      const existing = this.idempotency.get(options.idempotencyKey);
      if (existing) return { jobKey: existing, created: false };
      this.idempotency.set(options.idempotencyKey, jobKey);
    }
    const delay = options.runAt ? options.runAt.getTime() - Date.now() : (options.delayMs ?? 0);
    const now = new Date();
    const job: MemoryJob = {
      jobKey,
      workflow: this.workflow.name,
      payload: undefined,
      json: payloadJson,
      attempt,
      enqueuedAt: now,
      scheduledAt: tick ?? (delay > 0 ? new Date(now.getTime() + delay) : undefined),
      priority: options.priority ?? 0,
      idempotencyKey: options.idempotencyKey,
      seq: seq++,
      ...(headers ? { headers } : {}),
    };
    this.place(job, delay);
    return { jobKey, created: true };
  }

  counts(): Record<string, number> {
    return { waiting: this.waiting.length, active: this.active.size, delayed: this.delayed.size };
  }

  nextRunAt(): Date | null {
    const delays = [...this.delayed.values()].map((d) => d.dueAt);
    const soonest = delays.length ? Math.min(...delays) : Infinity;
    const tick = this.schedule?.next?.getTime() ?? Infinity;
    const next = Math.min(soonest, tick);
    return Number.isFinite(next) ? new Date(next) : null;
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  private place(job: MemoryJob, delayMs: number): void {
    if (delayMs > 0) {
      const timer = timerAfter(delayMs, () => {
        this.delayed.delete(job.jobKey);
        this.place(job, 0);
      });
      this.delayed.set(job.jobKey, { job, timer, dueAt: Date.now() + delayMs });
      return;
    }
    // Lower priority numbers first (BullMQ semantics), FIFO within one priority.
    this.waiting.add(job);
    this.pump();
  }

  private pump(): void {
    while (
      this.consuming &&
      !this.paused &&
      this.active.size < this.workflow.concurrency &&
      this.waiting.length
    ) {
      if (!this.rate.take()) return;
      this.run(this.waiting.take()!);
    }
  }

  private run(job: MemoryJob): void {
    const delivered: DeliveredJob = { ...job, payload: JSON.parse(job.json) };
    const done = this.processor(delivered, this.controller.signal)
      .then(
        () => this.release(job),
        (error: unknown) => this.failed(job, error instanceof Error ? error : new Error(String(error))),
      )
      .finally(() => {
        this.active.delete(job.jobKey);
        this.pump();
      });
    this.active.set(job.jobKey, done);
  }

  private async failed(job: MemoryJob, error: Error): Promise<void> {
    if (job.attempt < this.workflow.attempts && !this.controller.signal.aborted && !this.retired) {
      const delay = retryDelayMs(this.workflow.backoff, job.attempt);
      this.events.retrying(job, error, delay);
      this.place({ ...job, attempt: job.attempt + 1, scheduledAt: new Date(Date.now() + delay) }, delay);
      return;
    }
    this.release(job);
    if (!this.workflow.deadLetter) return;
    await this.deadLetters.add(deadLetterOf(job, error, { payload: JSON.parse(job.json) }));
    this.events.deadLettered(job, error);
  }

  private release(job: MemoryJob): void {
    if (job.idempotencyKey && this.idempotency.get(job.idempotencyKey) === job.jobKey)
      this.idempotency.delete(job.idempotencyKey);
  }
}
