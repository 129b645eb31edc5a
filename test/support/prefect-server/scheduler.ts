/**
 * The scheduler service: tops up future auto-scheduled runs like Prefect's (API-NOTES §1.14), plus the
 * late-runs service (SCHEDULED runs > 15 s overdue are renamed "Late").
 *
 * Per active schedule of a non-paused deployment: dates from now, stopping once there are both ≥ 3 dates
 * and a date ≥ now + 1 h, capped at 100 runs and 100 days. Runs are idempotent per
 * `scheduled {deployment_id} {schedule_id} {date}`.
 *
 * Schedule support:
 *  - cron: the `cron` package's CronTime with the schedule's timezone (UTC if none). `day_or: false` (AND
 *    of day-of-month and day-of-week) is not supported and rejected with 501; cron's OR is the default.
 *  - interval: anchor_date + k × interval seconds, in UTC arithmetic (Prefect follows local wall-clock time
 *    across DST for intervals ≥ 24 h; not modelled).
 *  - rrule: FREQ=MINUTELY|HOURLY|DAILY|WEEKLY with INTERVAL, BYHOUR, BYMINUTE, BYSECOND, BYDAY (plain
 *    weekday codes), UNTIL, WKST and an optional DTSTART line (default 2020-01-01T00:00 in the schedule's
 *    timezone, as Prefect injects). NOT supported (answered 501 when the schedule is created): MONTHLY,
 *    YEARLY, SECONDLY, COUNT, BYMONTH, BYMONTHDAY, BYYEARDAY, BYWEEKNO, BYSETPOS, ordinal BYDAY (e.g. 1MO),
 *    RDATE/EXDATE and multi-rule sets.
 */
import { CronTime } from 'cron';
import { DateTime } from 'luxon';
import { writeState } from './orchestration.js';
import type { Store } from './store.js';
import type { CronSchedule, Deployment, IntervalSchedule, RRuleSchedule, Schedule } from './types.js';

export const MIN_RUNS = 3;
export const MAX_RUNS = 100;
export const MIN_SCHEDULED_MS = 60 * 60 * 1000;
export const MAX_SCHEDULED_MS = 100 * 24 * 60 * 60 * 1000;
export const LATE_AFTER_MS = 15_000;

export class UnsupportedScheduleError extends Error {}

const isCron = (s: Schedule): s is CronSchedule => 'cron' in s;
const isInterval = (s: Schedule): s is IntervalSchedule => 'interval' in s;
const isRRule = (s: Schedule): s is RRuleSchedule => 'rrule' in s;

/** Throws UnsupportedScheduleError for schedules this server cannot compute (see the header comment). */
export function checkSupported(s: Schedule): void {
  if (isCron(s)) {
    if (s.day_or === false)
      throw new UnsupportedScheduleError('cron day_or=false is not supported by the test server');
    const v = CronTime.validateCronExpression(s.cron);
    if (!v.valid)
      throw new UnsupportedScheduleError(`cron expression not understood by the test server: ${s.cron}`);
  } else if (isRRule(s)) {
    parseRRule(s);
  } else if (isInterval(s) && !(s.interval > 0)) {
    throw new UnsupportedScheduleError('interval must be > 0');
  }
}

/** Dates (ascending, ≥ start) the schedule fires at, until `done(dates)` says stop or `end` is passed. */
export function scheduleDates(
  s: Schedule,
  start: Date,
  end: Date,
  done: (n: number, last: Date) => boolean,
): Date[] {
  const out: Date[] = [];
  const push = (d: Date) => {
    out.push(d);
    return out.length >= MAX_RUNS || done(out.length, d);
  };
  if (isCron(s)) {
    const tz = s.timezone ?? 'UTC';
    const ct = new CronTime(s.cron, tz);
    let cursor: Date = new Date(start.getTime() - 1);
    for (;;) {
      const next = ct.getNextDateFrom(cursor, tz).toJSDate();
      if (next > end || push(next)) break;
      cursor = next;
    }
  } else if (isInterval(s)) {
    const step = s.interval * 1000;
    const anchor = Date.parse(s.anchor_date);
    let k = Math.max(0, Math.ceil((start.getTime() - anchor) / step));
    for (;;) {
      const next = new Date(anchor + k * step);
      if (next > end || push(next)) break;
      k++;
    }
  } else if (isRRule(s)) {
    const rule = parseRRule(s);
    for (const next of rruleIterator(rule, start)) {
      if (next > end || push(next)) break;
    }
  }
  return out;
}

// ---------------------------------------------------------------- rrule (subset)

const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
interface RRule {
  freq: 'MINUTELY' | 'HOURLY' | 'DAILY' | 'WEEKLY';
  interval: number;
  byHour?: number[];
  byMinute?: number[];
  bySecond?: number[];
  byDay?: number[]; // luxon weekday 1..7
  until?: Date;
  wkst: number;
  dtstart: DateTime;
}

export function parseRRule(s: RRuleSchedule): RRule {
  const tz = s.timezone ?? 'UTC';
  const lines = s.rrule
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  let dtstart = DateTime.fromObject({ year: 2020, month: 1, day: 1 }, { zone: tz });
  let ruleText: string | undefined;
  for (const line of lines) {
    if (line.startsWith('DTSTART')) {
      const [head, value] = line.split(':') as [string, string];
      const tzid = /TZID=([^;:]+)/.exec(head)?.[1];
      const zone = value.endsWith('Z') ? 'UTC' : (tzid ?? tz);
      dtstart = DateTime.fromFormat(value.replace('Z', ''), "yyyyMMdd'T'HHmmss", { zone }).setZone(tz);
      if (!dtstart.isValid) throw new UnsupportedScheduleError(`DTSTART not understood: ${line}`);
    } else if (line.startsWith('RRULE:') || !line.includes(':')) {
      if (ruleText)
        throw new UnsupportedScheduleError('multiple RRULEs are not supported by the test server');
      ruleText = line.replace(/^RRULE:/, '');
    } else {
      throw new UnsupportedScheduleError(`rrule line not supported by the test server: ${line}`);
    }
  }
  if (!ruleText) throw new UnsupportedScheduleError('no RRULE found');
  const parts = new Map(
    ruleText
      .split(';')
      .filter(Boolean)
      .map((p) => p.split('=') as [string, string]),
  );
  const nums = (k: string) =>
    parts
      .get(k)
      ?.split(',')
      .map((x) => Number(x));
  const freq = parts.get('FREQ');
  if (freq !== 'MINUTELY' && freq !== 'HOURLY' && freq !== 'DAILY' && freq !== 'WEEKLY') {
    throw new UnsupportedScheduleError(`rrule FREQ=${freq} is not supported by the test server`);
  }
  const allowed = new Set(['FREQ', 'INTERVAL', 'BYHOUR', 'BYMINUTE', 'BYSECOND', 'BYDAY', 'UNTIL', 'WKST']);
  for (const k of parts.keys())
    if (!allowed.has(k)) throw new UnsupportedScheduleError(`rrule ${k} is not supported by the test server`);
  const byDay = parts
    .get('BYDAY')
    ?.split(',')
    .map((d) => {
      const i = WEEKDAYS.indexOf(d);
      if (i < 0) throw new UnsupportedScheduleError(`rrule BYDAY=${d} is not supported by the test server`);
      return i + 1;
    });
  const untilText = parts.get('UNTIL');
  let until: Date | undefined;
  if (untilText) {
    const u = DateTime.fromFormat(
      untilText.replace('Z', ''),
      untilText.length > 8 ? "yyyyMMdd'T'HHmmss" : 'yyyyMMdd',
      { zone: untilText.endsWith('Z') ? 'UTC' : tz },
    );
    if (!u.isValid) throw new UnsupportedScheduleError(`UNTIL not understood: ${untilText}`);
    until = u.toJSDate();
  }
  const wkst = parts.has('WKST') ? WEEKDAYS.indexOf(parts.get('WKST')!) + 1 : 1;
  const interval = parts.has('INTERVAL') ? Number(parts.get('INTERVAL')) : 1;
  if (!(interval >= 1) || wkst < 1) throw new UnsupportedScheduleError(`rrule not understood: ${ruleText}`);
  return {
    freq,
    interval,
    byHour: nums('BYHOUR'),
    byMinute: nums('BYMINUTE'),
    bySecond: nums('BYSECOND'),
    byDay,
    until,
    wkst,
    dtstart,
  };
}

/** Occurrences ≥ start, ascending. Expands/limits BY* parts per RFC 5545 for the supported FREQs. */
function* rruleIterator(r: RRule, start: Date): Generator<Date> {
  const d0 = r.dtstart;
  const unit = { MINUTELY: 'minute', HOURLY: 'hour', DAILY: 'day', WEEKLY: 'week' } as const;
  // Period 0 starts at dtstart truncated to the frequency unit (weeks start on WKST).
  const periodStart = (dt: DateTime): DateTime => {
    if (r.freq !== 'WEEKLY') return dt.startOf(unit[r.freq]);
    const day = dt.startOf('day');
    return day.minus({ days: (day.weekday - r.wkst + 7) % 7 });
  };
  const p0 = periodStart(d0);
  const startDt = DateTime.fromJSDate(start, { zone: d0.zone });
  const origin = startDt < d0 ? d0 : startDt;
  const diff = Math.floor(periodStart(origin).diff(p0, unit[r.freq]).as(unit[r.freq]) + 1e-9);
  let k = Math.max(0, Math.floor(diff / r.interval) * r.interval);
  const seconds = r.bySecond ?? [d0.second];
  for (let guard = 0; guard < 200_000; guard++, k += r.interval) {
    const p = p0.plus({ [unit[r.freq]]: k });
    const candidates: DateTime[] = [];
    if (r.freq === 'MINUTELY') {
      for (const s of seconds) candidates.push(p.set({ second: s }));
    } else if (r.freq === 'HOURLY') {
      for (const m of r.byMinute ?? [d0.minute])
        for (const s of seconds) candidates.push(p.set({ minute: m, second: s }));
    } else {
      const days =
        r.freq === 'DAILY'
          ? [p]
          : (r.byDay ?? [d0.weekday]).map((wd) => p.plus({ days: (wd - r.wkst + 7) % 7 }));
      for (const day of days)
        for (const h of r.byHour ?? [d0.hour])
          for (const m of r.byMinute ?? [d0.minute])
            for (const s of seconds)
              candidates.push(
                DateTime.fromObject(
                  { year: day.year, month: day.month, day: day.day, hour: h, minute: m, second: s },
                  { zone: d0.zone },
                ),
              );
    }
    const ok = candidates
      .filter((c) => c.isValid)
      .filter((c) =>
        r.freq === 'MINUTELY' || r.freq === 'HOURLY' ? !r.byHour || r.byHour.includes(c.hour) : true,
      )
      .filter((c) => (r.freq === 'MINUTELY' ? !r.byMinute || r.byMinute.includes(c.minute) : true))
      .filter((c) => (r.freq !== 'WEEKLY' ? !r.byDay || r.byDay.includes(c.weekday) : true))
      .map((c) => c.toJSDate())
      .filter((c) => c >= start && c >= d0.toJSDate())
      .sort((a, b) => a.getTime() - b.getTime());
    for (const c of ok) {
      if (r.until && c > r.until) return;
      yield c;
    }
    if (r.until && p.toJSDate() > r.until) return;
  }
}

// ---------------------------------------------------------------- the service

/** Python's str(datetime) for an aware UTC datetime, as in Prefect's idempotency keys. */
function pyDate(d: Date): string {
  return d
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '+00:00');
}

/** Per schedule id: how many future auto-scheduled SCHEDULED runs exist, and the latest one's time. */
type FutureRunStats = Map<string, { count: number; latest: number }>;

function futureRunStats(store: Store, now: number): FutureRunStats {
  const stats: FutureRunStats = new Map();
  for (const r of store.flowRuns.values()) {
    const sid = r.created_by?.['id'];
    if (!r.auto_scheduled || r.state_type !== 'SCHEDULED' || typeof sid !== 'string') continue;
    const t = Date.parse(r.next_scheduled_start_time ?? '');
    if (!(t >= now)) continue;
    const e = stats.get(sid) ?? { count: 0, latest: 0 };
    e.count++;
    e.latest = Math.max(e.latest, t);
    stats.set(sid, e);
  }
  return stats;
}

/** Creates the missing future runs of one deployment. Returns how many runs were inserted. */
export function scheduleDeployment(
  store: Store,
  d: Deployment,
  now = Date.now(),
  stats = futureRunStats(store, now),
): number {
  if (d.paused) return 0;
  const flow = store.flows.get(d.flow_id);
  if (!flow) return 0;
  const pool = d.work_pool_name ? store.workPools.get(d.work_pool_name) : undefined;
  const queue = d.work_queue_id ? store.workQueues.get(d.work_queue_id) : undefined;
  let inserted = 0;
  for (const s of d.schedules) {
    const st = stats.get(s.id);
    if (!s.active || (st && st.count >= MIN_RUNS && st.latest >= now + MIN_SCHEDULED_MS)) continue;
    let dates: Date[];
    try {
      dates = scheduleDates(
        s.schedule,
        new Date(now),
        new Date(now + MAX_SCHEDULED_MS),
        (n, last) => n >= MIN_RUNS && last.getTime() >= now + MIN_SCHEDULED_MS,
      );
    } catch {
      continue;
    }
    for (const date of dates) {
      const key = `scheduled ${d.id} ${s.id} ${pyDate(date)}`;
      if (store.runByIdempotencyKey(flow.id, key)) continue;
      const run = store.newFlowRun({
        flow,
        deployment: d,
        pool,
        queue,
        parameters: { ...d.parameters, ...s.parameters },
        tags: [...new Set(['auto-scheduled', ...d.tags])],
        labels: d.labels,
        idempotencyKey: key,
        autoScheduled: true,
        createdBy: { id: s.id, type: 'SCHEDULE', display_value: s.slug ?? scheduleKind(s.schedule) },
        jobVariables: d.job_variables,
      });
      run.expected_start_time = date.toISOString();
      writeState(store, run, {
        type: 'SCHEDULED',
        name: 'Scheduled',
        message: 'Flow run scheduled',
        state_details: { scheduled_time: date.toISOString() },
      });
      inserted++;
    }
  }
  return inserted;
}

function scheduleKind(s: Schedule): string {
  return isCron(s) ? 'CronSchedule' : isInterval(s) ? 'IntervalSchedule' : 'RRuleSchedule';
}

/** Late-runs service: SCHEDULED runs more than 15 s overdue become "Late" (still type SCHEDULED). */
export function markLateRuns(store: Store): void {
  const cutoff = Date.now() - LATE_AFTER_MS;
  for (const r of store.flowRuns.values()) {
    if (r.state_type !== 'SCHEDULED' || r.state_name !== 'Scheduled' || !r.state) continue;
    if (Date.parse(r.next_scheduled_start_time ?? '') >= cutoff) continue;
    writeState(store, r, {
      type: 'SCHEDULED',
      name: 'Late',
      message: r.state.message,
      state_details: { scheduled_time: r.state.state_details.scheduled_time },
    });
  }
}

export class SchedulerService {
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly store: Store,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  tick(): void {
    const now = Date.now();
    const stats = futureRunStats(this.store, now);
    for (const d of this.store.deployments.values()) scheduleDeployment(this.store, d, now, stats);
    markLateRuns(this.store);
  }
}
