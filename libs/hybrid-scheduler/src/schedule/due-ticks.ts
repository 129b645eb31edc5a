import type { TaskSchedule } from '../interfaces/index.js';
import { nextDue, typicalPeriodMs } from './schedule.calculator.js';

/** Ticks due at once after a long stall (or a long outage) are reported individually up to this many. */
export const MAX_REPORTED_MISSES = 100;

export interface DueTicks {
  /** The newest `limit` ticks from `first` through `until`, oldest first. */
  ticks: Date[];
  /** Older due ticks left out of `ticks` by the limit (over a long cron gap: estimated from its shortest period). */
  omitted: number;
  /** The first tick after `until` (null when the schedule ends). */
  next: Date | null;
}

/**
 * Every tick of `schedule` from `first` (inclusive, itself a tick) through `until`, keeping the newest
 * `limit`: the one enumeration behind "which ticks passed while nothing ran". Long gaps jump straight to the
 * kept ones (exactly for `every`, by the shortest period for cron), so a 1 s period over a week-long stall
 * costs about `limit` steps, not 600 000.
 */
export function dueTicks(
  schedule: TaskSchedule,
  first: Date | null,
  until: Date,
  anchor: Date,
  limit = MAX_REPORTED_MISSES,
): DueTicks {
  const ticks: Date[] = [];
  let omitted = 0;
  let t = first;
  if (t && schedule.kind === 'every' && limit > 0) {
    const total = Math.floor((until.getTime() - t.getTime()) / schedule.everyMs) + 1;
    if (total > limit) {
      omitted = total - limit;
      t = new Date(t.getTime() + omitted * schedule.everyMs);
    }
  } else if (t && limit > 0) {
    const period = typicalPeriodMs(schedule, t);
    if (period && (until.getTime() - t.getTime()) / period > 2 * limit) {
      const start: Date | null = nextDue(schedule, new Date(until.getTime() - limit * period), anchor);
      if (start) omitted = Math.floor((start.getTime() - t.getTime()) / period);
      t = start;
    }
  }
  for (; t && t.getTime() <= until.getTime(); t = nextDue(schedule, t, anchor)) {
    ticks.push(t);
    if (ticks.length > limit) {
      ticks.shift();
      omitted++;
    }
  }
  return { ticks, omitted, next: t };
}

/** How late a tick may start and still count as on time: one period, at most a minute. */
export const catchUpGraceMs = (schedule: TaskSchedule): number =>
  Math.min(typicalPeriodMs(schedule) ?? 60_000, 60_000);
