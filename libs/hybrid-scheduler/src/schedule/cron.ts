import { CronTime } from 'cron';

/** Why a cron expression or time zone is unusable, or undefined when it is fine. */
export function cronProblem(expression: string, timeZone?: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    return `expected 5 fields (minute hour day month weekday) or 6 (with seconds first), got ${fields.length}`;
  }
  try {
    new CronTime(expression, timeZone ?? 'UTC').sendAt();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The first fire time of `expression` strictly after `after`. */
export function nextCronDate(expression: string, after: Date, timeZone?: string): Date {
  const cronTime = new CronTime(expression, timeZone ?? 'UTC');
  return cronTime.getNextDateFrom(after, timeZone ?? 'UTC').toJSDate();
}
