import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { redactedMessage } from '../../../common/redact.js';
import { catchUpGraceMs, dueTicks } from '../../../schedule/due-ticks.js';
import { reportMissedTicks } from '../missed-ticks.log.js';
import { nextDue } from '../../../schedule/schedule.calculator.js';
import { upsertScheduler } from './bullmq-schedulers.js';
import { repeatOptions } from './bullmq-ticks.js';
import type { BullMqWorkflow } from './bullmq-workflow.js';

/** How often a running app checks that Redis still has its Job Schedulers (one HGETALL + ZSCORE each). */
export const SCHEDULER_CHECK_MS = 30_000;
/** One replica re-creates a lost scheduler and reports it; the others see the lock and skip. */
const RESTORE_LOCK_MS = 10_000;

/**
 * Redis restarted without persistence (or a FLUSHALL) loses the Job Schedulers: BullMQ never fires those
 * workflows again and nothing says so. This checks, after every reconnect and every SCHEDULER_CHECK_MS,
 * that each recurring workflow's scheduler exists; a missing one is re-created with a warning naming the
 * workflow, and the ticks that passed since it was last seen are reported as `missed`.
 */
export class BullMqSchedulerWatch {
  private readonly logger = new Logger('HybridScheduler:BullMQ');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  /** Per workflow: the scheduler's next slot when it was last seen in Redis. */
  private readonly lastSeen = new Map<string, number>();
  private disconnectedAt?: number;

  constructor(
    private readonly producer: Redis,
    private readonly prefix: string,
    private readonly workflows: () => BullMqWorkflow[],
  ) {}

  start(): void {
    this.producer.on('close', this.onClose);
    this.producer.on('ready', this.onReady);
    this.timer = setInterval(() => void this.check(), SCHEDULER_CHECK_MS);
    this.timer.unref();
    void this.check();
  }

  stop(): void {
    clearInterval(this.timer);
    this.producer.off('close', this.onClose);
    this.producer.off('ready', this.onReady);
  }

  private readonly onClose = (): void => {
    this.disconnectedAt ??= Date.now();
  };

  private readonly onReady = (): void => void this.check();

  /** One check at a time; a failure (Redis gone again) waits for the next reconnect or interval. */
  check(): Promise<void> {
    this.running ??= this.checkAll()
      .catch((error) => this.logger.debug(`Scheduler check failed: ${redactedMessage(error)}`))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async checkAll(): Promise<void> {
    if (this.producer.status !== 'ready') return;
    const since = this.disconnectedAt;
    for (const w of this.workflows()) {
      if (!repeatOptions(w.workflow)) continue;
      const scheduler = await w.queue.getJobScheduler(w.workflow.name);
      if (scheduler?.next) this.lastSeen.set(w.workflow.name, scheduler.next);
      else if (!scheduler) await this.restore(w, since);
    }
    this.disconnectedAt = undefined;
  }

  private async restore(w: BullMqWorkflow, since: number | undefined): Promise<void> {
    const { workflow } = w;
    const lock = `${this.prefix}:hybrid-scheduler:restore:${workflow.name}`;
    if ((await this.producer.set(lock, '1', 'PX', RESTORE_LOCK_MS, 'NX')) !== 'OK') return;
    await upsertScheduler(this.producer, this.prefix, w);
    const seen = this.lastSeen.get(workflow.name);
    const from = Math.max(seen ?? 0, since ?? 0);
    this.logger.warn(
      `The Job Scheduler of workflow "${workflow.name}" was missing from Redis (restarted without persistence, ` +
        `or flushed?): re-created${from ? `; ticks since ${new Date(from).toISOString()} are reported as missed` : ''}`,
    );
    if (!from) return;
    const first = nextDue(workflow.schedule, new Date(from - 1), new Date(seen ?? from));
    const until = new Date(Date.now() - catchUpGraceMs(workflow.schedule));
    const reason = 'the engine lost the schedule (Redis restarted without persistence?); re-created';
    const due = dueTicks(workflow.schedule, first, until, new Date(seen ?? from));
    reportMissedTicks(w.events, workflow.name, due, reason);
  }
}
