import type { InternalTaskOptions, JobInfo, RoutedTask } from '../../interfaces/index.js';
import { timerAt, type LongTimer } from '../../common/timers.js';
import { catchUpGraceMs, dueTicks, MAX_REPORTED_MISSES } from '../../schedule/due-ticks.js';
import { nextDue } from '../../schedule/schedule.calculator.js';

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
  private timer?: LongTimer;
  private anchor = new Date();
  private target: Date | null = null;
  private stopped = true;
  /** Runs that passed the overlap check but have not started yet (waiting for jitter or the replica lease). */
  reserved = 0;

  constructor(
    readonly task: RoutedTask,
    readonly info: JobInfo,
    private readonly onDue: (ticks: DueTick[]) => void,
  ) {}

  get options(): InternalTaskOptions {
    return this.task.internal ?? {};
  }

  /** How late the newest due tick may be and still run under `catchUp: 'skip'`. */
  get graceMs(): number {
    return catchUpGraceMs(this.task.schedule);
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
    this.timer?.clear();
    this.timer = undefined;
    this.info.nextRunAt = null;
  }

  private arm(): void {
    if (this.stopped) return;
    this.info.nextRunAt = this.target;
    if (!this.target) return;
    this.timer = timerAt(this.target.getTime(), () => this.fire());
  }

  private fire(): void {
    if (this.stopped || !this.target) return;
    const now = new Date();
    const { ticks: due, next } = dueTicks(
      this.task.schedule,
      this.target,
      now,
      this.anchor,
      MAX_REPORTED_MISSES + 1,
    );
    this.target = next;
    // The handler first (onDue calls it synchronously unless the task asked for jitter or a lease), then the
    // next timer: nothing sits between this timer firing and the handler starting.
    this.onDue(this.classify(due, now));
    this.arm();
  }

  /** The newest due tick runs (if within grace); older ones are missed: the loop was blocked or the host slept. */
  private classify(due: Date[], now: Date): DueTick[] {
    const newest = due[due.length - 1];
    const ticks: DueTick[] = due.slice(0, -1).map((scheduledAt) => ({
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
