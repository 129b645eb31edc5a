import type { InternalTaskOptions, JobInfo, TaskDefinition } from '../../interfaces/index.js';
import { nextDue, typicalPeriodMs } from '../../schedule/schedule.calculator.js';

/** Node clamps longer timeouts to 1ms; long waits (a 90-day cron) are chained in steps of this size. */
const MAX_TIMER_MS = 2_147_483_647;
/** Ticks due at once after a long stall are reported individually up to this many. */
const MAX_REPORTED_MISSES = 100;

export interface DueTick {
  scheduledAt: Date;
  /** Set when the tick is reported as missed instead of run. */
  missedReason?: string;
}

/**
 * The timer of one internal job. Targets are absolute (anchor + k·period, or the next cron date), so a
 * slow run or a late timer never shifts later ticks; when the timer fires late, every target that passed
 * is accounted for: run, or reported as missed.
 */
export class InternalJobTimer {
  private timer?: NodeJS.Timeout;
  private anchor = new Date();
  private target: Date | null = null;
  private stopped = true;
  /** Runs that passed the overlap check but have not started yet (waiting for jitter or the replica lease). */
  reserved = 0;

  constructor(
    readonly task: TaskDefinition,
    readonly info: JobInfo,
    private readonly onDue: (ticks: DueTick[]) => void,
  ) {}

  get options(): InternalTaskOptions {
    return this.task.internal ?? {};
  }

  /** How late the newest due tick may be and still run under `catchUp: 'skip'`. */
  get graceMs(): number {
    return Math.min(typicalPeriodMs(this.task.schedule) ?? 60_000, 60_000);
  }

  start(now = new Date()): void {
    this.stopped = false;
    const schedule = this.task.schedule;
    const initialDelay = this.options.initialDelayMs;
    if (schedule.kind === 'every') {
      // The first tick is one period (or initialDelayMs) after start; later ticks stay on that grid.
      const anchor = now.getTime() + (initialDelay ?? schedule.everyMs) - schedule.everyMs;
      // Replicas of a singleton task must agree on tick instants to share one lease per tick: use the epoch grid.
      this.anchor = new Date(
        this.options.singleton ? Math.ceil(anchor / schedule.everyMs) * schedule.everyMs : anchor,
      );
      this.target = new Date(this.anchor.getTime() + schedule.everyMs);
    } else if (schedule.kind === 'at') {
      this.target = schedule.at;
    } else {
      this.target = nextDue(schedule, new Date(now.getTime() + (initialDelay ?? 0)), this.anchor);
    }
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.info.nextRunAt = null;
  }

  private arm(): void {
    if (this.stopped) return;
    this.info.nextRunAt = this.target;
    if (!this.target) return;
    const delay = Math.max(0, this.target.getTime() - Date.now());
    this.timer = setTimeout(() => this.fire(), Math.min(delay, MAX_TIMER_MS));
  }

  private fire(): void {
    if (this.stopped || !this.target) return;
    const now = new Date();
    if (now.getTime() < this.target.getTime()) return this.arm(); // a chained step of a long wait
    const due: Date[] = [];
    let next: Date | null = this.target;
    while (next && next.getTime() <= now.getTime()) {
      due.push(next);
      next = nextDue(this.task.schedule, next, this.anchor);
    }
    this.target = next;
    this.arm();
    this.onDue(this.classify(due, now));
  }

  /** The newest due tick runs (if within grace); older ones are missed: the loop was blocked or the host slept. */
  private classify(due: Date[], now: Date): DueTick[] {
    const newest = due[due.length - 1];
    const ticks: DueTick[] = due
      .slice(Math.max(0, due.length - 1 - MAX_REPORTED_MISSES), -1)
      .map((scheduledAt) => ({
        scheduledAt,
        missedReason: `tick was due ${now.getTime() - scheduledAt.getTime()}ms ago (event loop blocked or process suspended)`,
      }));
    const lateness = now.getTime() - newest.getTime();
    const catchUpOnce = this.options.catchUp === 'once';
    if (lateness > this.graceMs && !catchUpOnce) {
      ticks.push({
        scheduledAt: newest,
        missedReason: `tick was due ${lateness}ms ago, beyond the ${this.graceMs}ms grace`,
      });
    } else {
      ticks.push({ scheduledAt: newest });
    }
    return ticks;
  }
}
