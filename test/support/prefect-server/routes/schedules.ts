/** Deployment schedules sub-resource, and the helpers deployments use to build / patch schedules. */
import { HttpError, notFound, type Routes } from '../router.js';
import { UnsupportedScheduleError, checkSupported } from '../scheduler.js';
import { type Store, clone, iso, uuid } from '../store.js';
import type { Deployment, DeploymentSchedule, Schedule } from '../types.js';
import { deploymentOr404 } from './lookups.js';

/** Fills the defaults Prefect's schedule models fill (interval anchor_date = now, rrule timezone UTC …). */
export function normaliseSchedule(s: any): Schedule {
  let out: Schedule;
  if ('interval' in s)
    out = { interval: s.interval, anchor_date: s.anchor_date ?? iso(), timezone: s.timezone ?? 'UTC' };
  else if ('cron' in s) out = { cron: s.cron, timezone: s.timezone ?? null, day_or: s.day_or ?? true };
  else out = { rrule: s.rrule, timezone: s.timezone ?? 'UTC' };
  try {
    checkSupported(out);
  } catch (e) {
    if (e instanceof UnsupportedScheduleError)
      throw new HttpError(501, { detail: `Prefect test server: ${e.message}` });
    throw e;
  }
  return out;
}

export function newSchedule(d: Deployment, body: any): DeploymentSchedule {
  const now = iso();
  return {
    id: uuid(),
    created: now,
    updated: now,
    deployment_id: d.id,
    schedule: normaliseSchedule(body.schedule),
    active: body.active ?? true,
    max_scheduled_runs: body.max_scheduled_runs ?? null,
    parameters: body.parameters ?? {},
    slug: body.slug ?? null,
  };
}

/** Applies a DeploymentScheduleUpdate; returns true when what the schedule produces changed. */
export function patchSchedule(d: Deployment, s: DeploymentSchedule, body: any): boolean {
  const before = JSON.stringify([s.schedule, s.active, s.parameters]);
  if (body.schedule) {
    const next = normaliseSchedule(body.schedule);
    // An interval re-sent without anchor_date keeps the stored anchor (otherwise "now" would move it).
    if ('interval' in next && 'interval' in s.schedule && !body.schedule.anchor_date)
      next.anchor_date = s.schedule.anchor_date;
    s.schedule = next;
  }
  if (body.active != null) s.active = body.active;
  if ('max_scheduled_runs' in body) s.max_scheduled_runs = body.max_scheduled_runs;
  if (body.parameters) s.parameters = body.parameters;
  if (body.slug != null) s.slug = body.slug;
  s.updated = iso();
  d.updated = s.updated;
  return JSON.stringify([s.schedule, s.active, s.parameters]) !== before;
}

function scheduleOr404(d: Deployment, id: string): DeploymentSchedule {
  const s = d.schedules.find((x) => x.id === id);
  if (!s) throw notFound('Schedule not found');
  return s;
}

function deleteAutoRuns(store: Store, d: Deployment): void {
  store.deleteScheduledRuns(d.id, { autoScheduledOnly: true, futureOnly: true });
}

export const scheduleRoutes: Routes = {
  'GET /deployments/{id}/schedules': ({ store, params }) => ({
    status: 200,
    body: clone(store.deploymentView(deploymentOr404(store, params['id']!)).schedules),
  }),
  'POST /deployments/{id}/schedules': ({ store, params, body, scheduleSoon }) => {
    const d = deploymentOr404(store, params['id']!);
    const list = body as any[];
    const slugs = list.map((s) => s.slug).filter(Boolean);
    if (
      new Set(slugs).size !== slugs.length ||
      slugs.some((slug) => d.schedules.some((s) => s.slug === slug))
    ) {
      throw new HttpError(409, { detail: 'Schedule slugs must be unique within a deployment.' });
    }
    const created = list.map((s) => newSchedule(d, s));
    d.schedules.push(...created);
    scheduleSoon();
    return { status: 201, body: clone(created) };
  },
  'PATCH /deployments/{id}/schedules/{schedule_id}': ({ store, params, body, scheduleSoon }) => {
    const d = deploymentOr404(store, params['id']!);
    patchSchedule(d, scheduleOr404(d, params['schedule_id']!), body);
    deleteAutoRuns(store, d);
    scheduleSoon();
    return { status: 204 };
  },
  'DELETE /deployments/{id}/schedules/{schedule_id}': ({ store, params }) => {
    const d = deploymentOr404(store, params['id']!);
    const s = scheduleOr404(d, params['schedule_id']!);
    d.schedules = d.schedules.filter((x) => x !== s);
    store.deleteScheduledRuns(d.id, { autoScheduledOnly: true, futureOnly: false });
    return { status: 204 };
  },
};
