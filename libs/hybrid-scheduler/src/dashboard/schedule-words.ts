const pad = (n: string): string => n.padStart(2, '0');
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const isNumber = (field: string): boolean => /^\d+$/.test(field);

/** The common cron shapes in words; anything else stays the cron expression. */
function cronInWords(cron: string): string {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) return `cron ${cron}`;
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  const everyDay = dayOfMonth === '*' && month === '*';
  if (minute === '*' && hour === '*' && everyDay && dayOfWeek === '*') return 'every minute';
  const step = /^\*\/(\d+)$/.exec(minute);
  if (step && hour === '*' && everyDay && dayOfWeek === '*') return `every ${step[1]} minutes`;
  if (isNumber(minute) && hour === '*' && everyDay && dayOfWeek === '*')
    return minute === '0' ? 'every hour, on the hour' : `every hour at minute ${Number(minute)}`;
  if (!isNumber(minute) || !isNumber(hour)) return `cron ${cron}`;
  const time = `at ${pad(hour)}:${pad(minute)}`;
  if (everyDay && dayOfWeek === '*') return time;
  if (everyDay && /^[0-7]$/.test(dayOfWeek)) return `${time} on ${DAYS[Number(dayOfWeek) % 7]}s`;
  if (everyDay && dayOfWeek === '1-5') return `${time} on weekdays`;
  if (isNumber(dayOfMonth) && month === '*' && dayOfWeek === '*')
    return `${time} on day ${dayOfMonth} of the month`;
  return `cron ${cron}`;
}

/**
 * A job's schedule as `JobInfo.schedule` describes it (`cron 0 3 * * * (Europe/Berlin)`, `every 30s`,
 * `at <ISO>`, `rrule …`, `on demand`), in words: `at 03:00, Europe/Berlin`.
 */
export function scheduleInWords(schedule: string): string {
  const cron = /^cron (.+) \(([^)]+)\)$/.exec(schedule);
  if (cron) return `${cronInWords(cron[1])}, ${cron[2]}`;
  const at = /^at (\S+)$/.exec(schedule);
  if (at && !Number.isNaN(Date.parse(at[1])))
    return `once, at ${new Date(at[1]).toISOString().replace('T', ' ').slice(0, 16)} UTC`;
  return schedule;
}
