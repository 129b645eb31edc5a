import type { LoggerService } from '@nestjs/common';
import type { EngineEvents } from './queue-engine.interface.js';

/** The reason of a tick missed because its workflow is paused: reported as an event, never logged (asked for). */
export const PAUSED_TICK = 'workflow is paused';

/** How long a run of missed ticks is gathered before its one line is logged. */
export const MISSED_TICKS_WINDOW_MS = 1_000;

interface Run {
  count: number;
  first: Date;
  last: Date;
  /** Older ticks of the same gap that were not reported one by one. */
  unreported: number;
}

/** Reports ticks missed in one gap: each of `ticks` as a `missed` event, the `omitted` older ones as a count. */
export function reportMissedTicks(
  events: EngineEvents,
  workflow: string,
  due: { ticks: Date[]; omitted: number },
  reason: string,
): void {
  for (const tick of due.ticks) events.missed(workflow, tick, reason);
  if (due.omitted > 0) events.missedUnreported(workflow, due.omitted, reason);
}

/**
 * One WARN per run of missed ticks of a workflow (after an outage or a lost schedule an engine reports up to 100
 * at once): ticks reported within `windowMs` of the first one, with the same reason, become one line with their
 * count and the first and last due time (a steady stream, such as a paused workflow's, one line per window).
 * A single missed tick keeps its own line.
 */
export class MissedTicksLog {
  private readonly runs = new Map<string, Run>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly workflow: string,
    private readonly logger: Pick<LoggerService, 'warn'>,
    private readonly windowMs = MISSED_TICKS_WINDOW_MS,
  ) {}

  note(scheduledAt: Date, reason: string): void {
    const run = this.runs.get(reason);
    if (!run) this.runs.set(reason, { count: 1, first: scheduledAt, last: scheduledAt, unreported: 0 });
    else {
      run.count++;
      if (scheduledAt < run.first) run.first = scheduledAt;
      if (scheduledAt > run.last) run.last = scheduledAt;
    }
    this.arm();
  }

  /** Older ticks of a run that were not reported one by one (they join the run with the same reason). */
  noteUnreported(count: number, reason: string): void {
    const run = this.runs.get(reason);
    if (run) run.unreported += count;
    else this.logger.warn(`Workflow "${this.workflow}" missed ${count} ticks: ${reason}`);
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.windowMs);
    this.timer.unref();
  }

  /** Logs what was gathered (also called when the window ends). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const [reason, { count, first, last, unreported }] of this.runs) {
      const earlier = unreported ? `; and ${unreported} earlier ticks, not reported one by one` : '';
      this.logger.warn(
        count === 1
          ? `Workflow "${this.workflow}" missed its tick of ${first.toISOString()}: ${reason}${earlier}`
          : `Workflow "${this.workflow}" missed ${count} ticks, due from ${first.toISOString()} to ${last.toISOString()}: ${reason}${earlier}`,
      );
    }
    this.runs.clear();
  }
}
