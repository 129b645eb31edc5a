import type { TaskSchedule } from '../interfaces/index.js';
import { nextDue, typicalPeriodMs } from './schedule.calculator.js';

/** Ticks due at once after a long stall (or a long outage) are reported individually up to this many. */
export const MAX_REPORTED_MISSES = 100;

export interface DueTicks {
  /** The newest `limit` ticks from `first` through `until`, oldest first. */
  ticks: Date[];
  /** Older due ticks left out of `ticks` by the limit. */
  omitted: number;
  /** The first tick after `until` (null when the schedule ends). */
  next: Date | null;
}

/**
 * Every tick of `schedule` from `first` (inclusive, itself a tick) through `until`, keeping the newest
 * `limit`: the one enumeration behind "which ticks passed while nothing ran". `every` schedules jump straight
 * to the kept ones, so a 1 s period over a week-long stall costs `limit` steps, not 600 000.
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
