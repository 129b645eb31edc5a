import { InvalidTaskOptionsError } from '../errors/index.js';
import { INVALID_OPTION, SCHEDULE_CONFLICT } from '../errors/messages.js';
import type { TaskLocation, TaskSchedule } from '../interfaces/index.js';
import { cronProblem, isValidTimeZone } from './cron.js';
import { parseDuration } from './duration.js';

/** The decorator options a schedule is read from; each decorator allows a subset. */
export interface RawScheduleOptions {
  every?: unknown;
  cron?: unknown;
  at?: unknown;
  rrule?: unknown;
  timeZone?: unknown;
}

type ScheduleKey = 'every' | 'cron' | 'at' | 'rrule';

/**
 * Turns `every` / `cron` / `at` / `rrule` into a TaskSchedule, or throws an error naming the decorator,
 * the method, the option and the value. `required: false` allows none (an on-demand task).
 */
export function parseSchedule(
  decorator: string,
  loc: TaskLocation,
  options: RawScheduleOptions,
  allowed: ScheduleKey[],
  required: boolean,
  defaultTimeZone?: string,
): TaskSchedule {
  const fail = (option: string, value: unknown, expected: string): never => {
    throw new InvalidTaskOptionsError(INVALID_OPTION(decorator, loc, option, value, expected));
  };
  for (const key of ['every', 'cron', 'at', 'rrule'] as const) {
    if (!allowed.includes(key) && options[key] !== undefined) {
      fail(key, options[key], `@${decorator} accepts ${allowed.map((k) => `"${k}"`).join(', ')} only`);
    }
  }
  const given = allowed.filter((key) => options[key] !== undefined);
  if (given.length > 1 || (required && given.length === 0)) {
    throw new InvalidTaskOptionsError(SCHEDULE_CONFLICT(decorator, loc, given, allowed));
  }
  let timeZone: string | undefined;
  if (options.timeZone !== undefined) {
    if (typeof options.timeZone !== 'string' || !isValidTimeZone(options.timeZone)) {
      fail('timeZone', options.timeZone, 'expected an IANA time zone such as "Europe/Berlin" or "UTC"');
    }
    timeZone = options.timeZone as string;
  }
  timeZone ??= defaultTimeZone;

  if (options.every !== undefined) {
    const ms = parseDuration(options.every);
    if (ms === undefined || ms <= 0 || !Number.isInteger(ms)) {
      fail(
        'every',
        options.every,
        'expected a positive whole number of ms or a duration such as "30s", "5m", "1h"',
      );
    }
    return { kind: 'every', everyMs: ms as number };
  }
  if (options.cron !== undefined) {
    if (typeof options.cron !== 'string')
      return fail('cron', options.cron, 'expected a cron expression string');
    const problem = cronProblem(options.cron, timeZone);
    if (problem) fail('cron', options.cron, problem);
    return { kind: 'cron', cron: (options.cron as string).trim(), timeZone };
  }
  if (options.at !== undefined) {
    const at =
      options.at instanceof Date
        ? options.at
        : typeof options.at === 'string'
          ? new Date(options.at)
          : undefined;
    if (!at || Number.isNaN(at.getTime()))
      fail('at', options.at, 'expected a Date or an ISO-8601 date string');
    return { kind: 'at', at: at as Date };
  }
  if (options.rrule !== undefined) {
    if (typeof options.rrule !== 'string' || !/FREQ=/i.test(options.rrule) || options.rrule.length > 6500) {
      fail('rrule', options.rrule, 'expected an RFC 5545 RRULE such as "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9"');
    }
    return { kind: 'rrule', rrule: options.rrule as string, timeZone };
  }
  return { kind: 'none' };
}
