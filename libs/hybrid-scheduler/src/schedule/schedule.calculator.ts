import type { TaskCharacteristics, TaskSchedule } from '../interfaces/index.js';
import { formatDuration } from './duration.js';
import { nextCronDate } from './cron.js';

/** The next due time of a schedule strictly after `after`, or null if it never fires again. */
export function nextDue(schedule: TaskSchedule, after: Date, anchor: Date): Date | null {
  switch (schedule.kind) {
    case 'every': {
      const periods = Math.floor((after.getTime() - anchor.getTime()) / schedule.everyMs) + 1;
      return new Date(anchor.getTime() + Math.max(periods, 1) * schedule.everyMs);
    }
    case 'cron':
      return nextCronDate(schedule.cron, after, schedule.timeZone);
    case 'at':
      return schedule.at.getTime() > after.getTime() ? schedule.at : null;
    default:
      return null;
  }
}

/** Shortest gap between consecutive fires, sampled over the next few; undefined for one-shot/on-demand. */
export function typicalPeriodMs(schedule: TaskSchedule, from = new Date()): number | undefined {
  if (schedule.kind === 'every') return schedule.everyMs;
  if (schedule.kind !== 'cron') return undefined;
  let previous = nextCronDate(schedule.cron, from, schedule.timeZone);
  let shortest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 6; i++) {
    const next = nextCronDate(schedule.cron, previous, schedule.timeZone);
    shortest = Math.min(shortest, next.getTime() - previous.getTime());
    previous = next;
  }
  return shortest;
}

/** frequency: high under a minute, medium up to an hour, low above; one-shot and on-demand count as low. */
export function inferFrequency(schedule: TaskSchedule): TaskCharacteristics['frequency'] {
  if (schedule.kind === 'none' || schedule.kind === 'at') return 'low';
  if (schedule.kind === 'rrule') return 'low';
  const period = typicalPeriodMs(schedule);
  if (period === undefined) return undefined;
  if (period < 60_000) return 'high';
  if (period <= 3_600_000) return 'medium';
  return 'low';
}

export function describeSchedule(schedule: TaskSchedule): string {
  switch (schedule.kind) {
    case 'every':
      return `every ${formatDuration(schedule.everyMs)}`;
    case 'cron':
      return `cron ${schedule.cron} (${schedule.timeZone ?? 'UTC'})`;
    case 'at':
      return `at ${schedule.at.toISOString()}`;
    case 'rrule':
      return `rrule ${schedule.rrule} (${schedule.timeZone ?? 'UTC'})`;
    default:
      return 'on demand';
  }
}
