import { timerAt, type LongTimer } from '../../../common/timers.js';
import { dueTicks, MAX_REPORTED_MISSES } from '../../../schedule/due-ticks.js';
import { nextDue } from '../../../schedule/schedule.calculator.js';
import type { EngineEvents, EngineWorkflow } from '../queue-engine.interface.js';
import { PAUSED_TICK, reportMissedTicks } from '../missed-ticks.log.js';

/**
 * The recurring ticks of one memory workflow, on absolute targets (never drifting) anchored at start, so the
 * first tick comes one period after boot. Ticks missed while the event loop was blocked are reported as missed
 * (at most MAX_REPORTED_MISSES); the newest one runs unless the workflow is paused.
 */
export class MemorySchedule {
  private timer?: LongTimer;
  private anchor = new Date();
  next: Date | null = null;

  constructor(
    private readonly workflow: EngineWorkflow,
    private readonly events: EngineEvents,
    private readonly paused: () => boolean,
    private readonly enqueueTick: (scheduledAt: Date) => void,
  ) {}

  start(now = new Date()): void {
    this.anchor = now;
    this.arm(nextDue(this.workflow.schedule, now, this.anchor));
  }

  stop(): void {
    this.timer?.clear();
    this.timer = undefined;
    this.next = null;
  }

  private arm(target: Date | null): void {
    this.next = target;
    if (!target) return;
    this.timer = timerAt(target.getTime(), () => this.fire(target));
  }

  private fire(target: Date): void {
    const { schedule, name } = this.workflow;
    const { ticks, next, omitted } = dueTicks(
      schedule,
      target,
      new Date(),
      this.anchor,
      MAX_REPORTED_MISSES + 1,
    );
    const missed = { ticks: ticks.slice(0, -1), omitted };
    reportMissedTicks(this.events, name, missed, 'the event loop was blocked past this tick');
    const newest = ticks[ticks.length - 1];
    if (this.paused()) this.events.missed(name, newest, PAUSED_TICK);
    else this.enqueueTick(newest);
    this.arm(next);
  }
}
