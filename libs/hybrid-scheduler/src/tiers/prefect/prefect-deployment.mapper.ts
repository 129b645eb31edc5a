import type { PrefectDeploymentOptions, TaskDefinition } from '../../interfaces/index.js';
import type {
  DeploymentConcurrency,
  DeploymentFields,
  DeploymentScheduleBody,
  DeploymentSchedule,
  DeploymentUpdate,
  PrefectDeployment,
  ScheduleBody,
} from './prefect.types.js';

/** The one schedule a decorator declares is stored under this slug, so updates patch it in place. */
export const SCHEDULE_SLUG = 'nestjs';
/** Interval schedules are anchored on a fixed date so that restarts keep the same grid (and the same runs). */
export const INTERVAL_ANCHOR = '2020-01-01T00:00:00+00:00';

/** The Prefect schedules of a task: none for an on-demand deployment, else one slugged schedule. */
export function toSchedules(task: TaskDefinition): DeploymentScheduleBody[] {
  const s = task.schedule;
  const tz = 'timeZone' in s && s.timeZone ? s.timeZone : 'UTC';
  let schedule: ScheduleBody;
  if (s.kind === 'cron') schedule = { cron: s.cron, timezone: tz, day_or: true };
  else if (s.kind === 'every')
    schedule = { interval: s.everyMs / 1000, anchor_date: INTERVAL_ANCHOR, timezone: 'UTC' };
  else if (s.kind === 'rrule') schedule = { rrule: s.rrule, timezone: tz };
  else return [];
  return [{ schedule, active: true, slug: SCHEDULE_SLUG }];
}

export function toFields(
  task: TaskDefinition,
  workPool: string,
  defaultQueue: string | null = null,
): DeploymentFields {
  const options = task.prefect as PrefectDeploymentOptions;
  return {
    ...toConcurrency(options.overlap),
    parameters: options.parameters ?? {},
    tags: ['nestjs', ...(options.tags ?? [])],
    description:
      options.description ??
      `${task.location.className}.${task.location.methodName}() (nestjs-hybrid-scheduler)`,
    work_pool_name: workPool,
    work_queue_name: options.workQueue ?? defaultQueue,
    entrypoint: `nestjs://${task.location.className}.${task.location.methodName}`,
    enforce_parameter_schema: false,
  };
}

/** `overlap` as Prefect's deployment concurrency; nothing for `allow` (older 3.x servers know no options). */
export function toConcurrency(overlap: PrefectDeploymentOptions['overlap']): Partial<DeploymentConcurrency> {
  if (overlap === 'skip')
    return { concurrency_limit: 1, concurrency_options: { collision_strategy: 'CANCEL_NEW' } };
  if (overlap === 'queue')
    return { concurrency_limit: 1, concurrency_options: { collision_strategy: 'ENQUEUE' } };
  return {};
}

const CONCURRENCY_KEYS = new Set<string>(['concurrency_limit', 'concurrency_options']);

/** Only what differs from the stored deployment; an empty object means nothing to PATCH. */
export function deploymentChanges(
  existing: PrefectDeployment,
  fields: DeploymentFields,
  schedules: DeploymentScheduleBody[],
): DeploymentUpdate {
  const changes: DeploymentUpdate = {};
  // A 3.x server answers `concurrency_limit: null` and shows the limit as `global_concurrency_limit.limit`.
  const limit = existing.global_concurrency_limit?.limit ?? existing.concurrency_limit ?? null;
  const strategy = existing.concurrency_options?.collision_strategy ?? null;
  const wantedLimit = fields.concurrency_limit ?? null;
  const wantedStrategy = fields.concurrency_options?.collision_strategy ?? null;
  if (limit !== wantedLimit || (wantedLimit !== null && strategy !== wantedStrategy)) {
    changes.concurrency_limit = wantedLimit;
    changes.concurrency_options = fields.concurrency_options ?? null;
  }
  for (const key of Object.keys(fields) as Array<keyof DeploymentFields>) {
    if (CONCURRENCY_KEYS.has(key)) continue;
    if (key === 'work_queue_name' && fields[key] === null) continue; // the pool's default queue, whatever its name
    if (stable(existing[key] ?? null) !== stable(fields[key]))
      (changes as Record<string, unknown>)[key] = fields[key];
  }
  if (schedules.length && !sameSchedules(existing.schedules ?? [], schedules)) changes.schedules = schedules;
  return changes;
}

/** Stored schedules that no longer belong to the decorator (to delete when it became on-demand). */
export function obsoleteSchedules(
  existing: PrefectDeployment,
  schedules: DeploymentScheduleBody[],
): DeploymentSchedule[] {
  return schedules.length ? [] : (existing.schedules ?? []);
}

function sameSchedules(existing: DeploymentSchedule[], wanted: DeploymentScheduleBody[]): boolean {
  return (
    existing.length === wanted.length &&
    wanted.every((w) =>
      existing.some(
        (e) => e.slug === w.slug && e.active === w.active && normalize(e.schedule) === normalize(w.schedule),
      ),
    )
  );
}

/** Compares schedules the way the server stores them (it adds defaults and a DTSTART to bare RRULEs). */
function normalize(schedule: ScheduleBody): string {
  const tz = schedule.timezone ?? 'UTC';
  if ('cron' in schedule) return `cron|${schedule.cron.trim()}|${tz}|${schedule.day_or ?? true}`;
  if ('interval' in schedule)
    return `interval|${Number(schedule.interval)}|${Date.parse(schedule.anchor_date)}|${tz}`;
  const rule = schedule.rrule
    .split(/\r?\n/)
    .filter((line) => !/^DTSTART/i.test(line))
    .map((line) => line.replace(/^RRULE:/i, ''))
    .join('\n');
  return `rrule|${rule}|${tz}`;
}

/** JSON with sorted keys, for order-insensitive comparison of parameters. */
export function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
