import { randomUUID } from 'node:crypto';
import type { EnqueueOptions } from '../../../interfaces/index.js';
import { nextDue } from '../../../schedule/schedule.calculator.js';
import { retryDelayMs } from '../backoff.delay.js';
import type { DeadLetterStore } from '../dead-letter-store.interface.js';
import type {
  DeliveredJob,
  EnqueuedJob,
  JobProcessor,
  EngineEvents,
  EngineWorkflow,
} from '../queue-engine.interface.js';

interface MemoryJob extends DeliveredJob {
  /** The payload as JSON, so handlers see what a durable provider would deliver (Dates become strings). */
  json: string;
  priority: number;
  idempotencyKey?: string;
  seq: number;
}

let seq = 0;

const MAX_TIMER_MS = 2_147_483_647;
/** One workflow of the memory provider: waiting list, delayed timers, active runs, schedule timer. */
export class MemoryWorkflowQueue {
  private readonly waiting: MemoryJob[] = [];
  private readonly delayed = new Map<string, { job: MemoryJob; timer: NodeJS.Timeout; dueAt: number }>();
  private readonly active = new Map<string, Promise<void>>();
  private readonly idempotency = new Map<string, string>();
  private readonly starts: number[] = [];
  private readonly controller = new AbortController();
  private scheduleTimer?: NodeJS.Timeout;
  private rateTimer?: NodeJS.Timeout;
  private nextTick: Date | null = null;
  private consuming = false;
  /** Removed from the tier: a run still going that fails is dead-lettered instead of retried. */
  private retired = false;
  paused = false;

  constructor(
    readonly workflow: EngineWorkflow,
    private readonly processor: JobProcessor,
    private readonly events: EngineEvents,
    private readonly deadLetters: DeadLetterStore,
  ) {}

  start(consume: boolean): void {
    this.consuming = consume;
    if (this.workflow.schedule.kind === 'every' || this.workflow.schedule.kind === 'cron')
      this.armSchedule(new Date(), new Date());
    this.pump();
  }

  stopConsuming(): void {
    this.consuming = false;
    if (this.scheduleTimer) clearTimeout(this.scheduleTimer);
    if (this.rateTimer) clearTimeout(this.rateTimer);
    this.nextTick = null;
  }

  /** Stops the schedule and the consumer and drops delayed jobs; active runs finish on their own. */
  retire(): void {
    this.retired = true;
    this.stopConsuming();
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.waiting.length = 0;
  }

  /** Waits for active runs up to `drainMs`, then aborts them; waiting and delayed jobs are dropped (not durable). */
  async close(drainMs: number): Promise<void> {
    this.stopConsuming();
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((resolve) => (timer = setTimeout(resolve, drainMs)));
    await Promise.race([Promise.allSettled(this.active.values()), timeout]);
    clearTimeout(timer);
    if (this.active.size) this.controller.abort(new Error('application shutdown'));
  }

  enqueue(
    payloadJson: string,
    options: EnqueueOptions,
    attempt = 1,
    jobKey: string = randomUUID(),
    tick?: Date,
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
    const tick = this.nextTick?.getTime() ?? Infinity;
    const next = Math.min(soonest, tick);
    return Number.isFinite(next) ? new Date(next) : null;
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  private place(job: MemoryJob, delayMs: number): void {
    if (delayMs > 0) {
      // Node fires longer timeouts after 1 ms: wait in steps of at most ~24.8 days.
      const step = Math.min(delayMs, MAX_TIMER_MS);
      const timer = setTimeout(() => {
        this.delayed.delete(job.jobKey);
        this.place(job, delayMs - step);
      }, step);
      this.delayed.set(job.jobKey, { job, timer, dueAt: Date.now() + delayMs });
      return;
    }
    // Lower priority numbers first (BullMQ semantics), FIFO within one priority.
    const index = this.waiting.findIndex((w) => w.priority > job.priority);
    if (index < 0) this.waiting.push(job);
    else this.waiting.splice(index, 0, job);
    this.pump();
  }

  private pump(): void {
    while (
      this.consuming &&
      !this.paused &&
      this.active.size < this.workflow.concurrency &&
      this.waiting.length
    ) {
      if (!this.rateAllows()) return;
      this.run(this.waiting.shift()!);
    }
  }

  private rateAllows(): boolean {
    const rate = this.workflow.rateLimit;
    if (!rate) return true;
    const now = Date.now();
    while (this.starts.length && this.starts[0] <= now - rate.durationMs) this.starts.shift();
    if (this.starts.length < rate.max) {
      this.starts.push(now);
      return true;
    }
    if (!this.rateTimer) {
      this.rateTimer = setTimeout(
        () => {
          this.rateTimer = undefined;
          this.pump();
        },
        this.starts[0] + rate.durationMs - now,
      );
    }
    return false;
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
    await this.deadLetters.add({
      id: `queue:${job.workflow}:${job.jobKey}`,
      jobKey: job.jobKey,
      workflow: job.workflow,
      payload: JSON.parse(job.json),
      error: error.message,
      stack: error.stack,
      attempts: job.attempt,
      enqueuedAt: job.enqueuedAt,
      failedAt: new Date(),
    });
    this.events.deadLettered(job, error);
  }

  private release(job: MemoryJob): void {
    if (job.idempotencyKey && this.idempotency.get(job.idempotencyKey) === job.jobKey)
      this.idempotency.delete(job.idempotencyKey);
  }

  /** Ticks on absolute targets (never drifting); ticks missed while the loop was blocked are reported as missed. */
  private armSchedule(after: Date, anchor: Date): void {
    this.nextTick = nextDue(this.workflow.schedule, after, anchor);
    if (!this.nextTick || !this.consuming) return;
    const target = this.nextTick;
    this.scheduleTimer = setTimeout(
      () => {
        const now = Date.now();
        const due: Date[] = [];
        for (
          let t: Date | null = target;
          t && t.getTime() <= now;
          t = nextDue(this.workflow.schedule, t, anchor)
        )
          due.push(t);
        if (!due.length) return this.armSchedule(after, anchor);
        for (const missed of due.slice(0, -1))
          this.events.missed(this.workflow.name, missed, 'the event loop was blocked past this tick');
        const newest = due[due.length - 1];
        if (this.paused) this.events.missed(this.workflow.name, newest, 'workflow is paused');
        else this.enqueue(JSON.stringify(this.workflow.schedulePayload), {}, 1, randomUUID(), newest);
        this.armSchedule(newest, anchor);
      },
      Math.min(Math.max(0, target.getTime() - Date.now()), 2_147_483_647),
    );
  }
}
