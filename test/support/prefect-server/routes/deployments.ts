/** Deployments: upsert, read, PATCH (slug-targeted schedules), delete, filter, pause/resume. */
import { HttpError, RequestValidationError, notFound, type Routes } from '../router.js';
import { type Store, iso, uuid } from '../store.js';
import type { Deployment } from '../types.js';
import { limitOf } from './flows.js';
import { newSchedule, patchSchedule } from './schedules.js';
import { deploymentOr404, poolOr404 } from './lookups.js';

/** Fields copied verbatim from DeploymentCreate / DeploymentUpdate when present in the request. */
const PLAIN_FIELDS = [
  'paused',
  'concurrency_limit',
  'concurrency_options',
  'enforce_parameter_schema',
  'parameter_openapi_schema',
  'parameters',
  'tags',
  'labels',
  'pull_steps',
  'storage_document_id',
  'infrastructure_document_id',
  'description',
  'path',
  'version',
  'entrypoint',
  'job_variables',
  'version_info',
] as const;

/** Sets work_pool_name / work_queue_name / work_queue_id; the queue is auto-created, the pool must exist. */
function assignQueue(
  store: Store,
  d: Deployment,
  poolName: string | null | undefined,
  queueName: string | null | undefined,
): void {
  if (!poolName) {
    d.work_pool_name = null;
    d.work_queue_name = queueName ?? null;
    d.work_queue_id = null;
    return;
  }
  const pool = poolOr404(store, poolName);
  const queue = queueName
    ? (store.queueByName(pool, queueName) ?? store.createQueue(pool, { name: queueName }))
    : store.workQueues.get(pool.default_queue_id)!;
  d.work_pool_name = pool.name;
  d.work_queue_name = queue.name;
  d.work_queue_id = queue.id;
}

function checkConcurrency(body: any): void {
  if (body.concurrency_limit != null && body.global_concurrency_limit_id != null) {
    throw new RequestValidationError([
      {
        type: 'value_error',
        loc: ['body'],
        msg: 'Value error, A deployment cannot have both a concurrency limit and a global concurrency limit.',
        input: body,
      },
    ]);
  }
}

function applyPlain(d: Deployment, body: any): void {
  for (const k of PLAIN_FIELDS)
    if (k in body) (d as any)[k] = body[k] ?? (k === 'parameters' || k === 'job_variables' ? {} : body[k]);
  if ('global_concurrency_limit_id' in body) d.global_concurrency_limit = null;
  d.updated = iso();
}

function filterDeployments(store: Store, body: any): Deployment[] {
  let list = [...store.deployments.values()];
  const f = body.deployments ?? {};
  const anyOf = (v: { any_?: string[] | null } | null | undefined) => v?.any_ ?? undefined;
  const ids = anyOf(f.id);
  const names = anyOf(f.name);
  const like: string | undefined = f.name?.like_ ?? undefined;
  const tagsAll: string[] | undefined = f.tags?.all_ ?? undefined;
  const flowNames = anyOf(body.flows?.name);
  const flowIds = anyOf(body.flows?.id);
  const poolNames = anyOf(body.work_pools?.name);
  if (ids) list = list.filter((d) => ids.includes(d.id));
  if (names) list = list.filter((d) => names.includes(d.name));
  if (like) list = list.filter((d) => d.name.toLowerCase().includes(like.toLowerCase()));
  if (tagsAll) list = list.filter((d) => tagsAll.every((t) => d.tags.includes(t)));
  if (flowIds) list = list.filter((d) => flowIds.includes(d.flow_id));
  if (flowNames) list = list.filter((d) => flowNames.includes(store.flows.get(d.flow_id)?.name ?? ''));
  if (poolNames) list = list.filter((d) => d.work_pool_name && poolNames.includes(d.work_pool_name));
  const sort: string = body.sort ?? 'NAME_ASC';
  const cmp: Record<string, (a: Deployment, b: Deployment) => number> = {
    NAME_ASC: (a, b) => a.name.localeCompare(b.name),
    NAME_DESC: (a, b) => b.name.localeCompare(a.name),
    CREATED_DESC: (a, b) => b.created.localeCompare(a.created),
    UPDATED_DESC: (a, b) => b.updated.localeCompare(a.updated),
  };
  list.sort(cmp[sort] ?? cmp['NAME_ASC']);
  const offset = body.offset ?? 0;
  return list.slice(offset, offset + limitOf(body));
}

export const deploymentRoutes: Routes = {
  /**
   * Upsert on (flow_id, name): only the fields present are written on conflict; then future auto-scheduled
   * runs are deleted and ALL schedules are deleted and recreated from the request (so a re-POST without
   * `schedules` wipes them). 201 on insert, 200 on update.
   */
  'POST /deployments/': ({ store, body, scheduleSoon }) => {
    checkConcurrency(body);
    if (!store.flows.get(body.flow_id)) throw notFound('Flow not found');
    if (body.work_pool_name) poolOr404(store, body.work_pool_name);
    const schedules = (body.schedules ?? []).map((s: any) => ({ ...s }));
    let d = [...store.deployments.values()].find((x) => x.flow_id === body.flow_id && x.name === body.name);
    const inserted = !d;
    const now = iso();
    if (!d) {
      d = {
        id: uuid(),
        created: now,
        updated: now,
        name: body.name,
        version: null,
        description: null,
        flow_id: body.flow_id,
        paused: false,
        schedules: [],
        concurrency_limit: null,
        global_concurrency_limit: null,
        concurrency_options: null,
        job_variables: {},
        parameters: {},
        tags: [],
        labels: {},
        work_queue_name: null,
        work_queue_id: null,
        last_polled: null,
        parameter_openapi_schema: { type: 'object', properties: {} },
        path: null,
        pull_steps: null,
        entrypoint: null,
        storage_document_id: null,
        infrastructure_document_id: null,
        created_by: null,
        updated_by: null,
        work_pool_name: null,
        status: 'NOT_READY',
        enforce_parameter_schema: true,
      };
    }
    const target = d;
    // Build (and check) the new schedules before touching anything: unsupported ones are answered 501.
    const created = schedules.map((s: any) => newSchedule(target, s));
    applyPlain(target, body);
    if (inserted || 'work_pool_name' in body || 'work_queue_name' in body) {
      assignQueue(
        store,
        target,
        'work_pool_name' in body ? body.work_pool_name : target.work_pool_name,
        'work_queue_name' in body ? body.work_queue_name : target.work_queue_name,
      );
    }
    if (inserted) store.deployments.set(target.id, target);
    store.deleteScheduledRuns(target.id, { autoScheduledOnly: true, futureOnly: true });
    target.schedules = created;
    scheduleSoon();
    return { status: inserted ? 201 : 200, body: store.deploymentView(target) };
  },

  'GET /deployments/{id}': ({ store, params }) => ({
    status: 200,
    body: store.deploymentView(deploymentOr404(store, params['id']!)),
  }),

  'GET /deployments/name/{flow_name}/{deployment_name}': ({ store, params }) => {
    const flow = store.flowByName(params['flow_name']!);
    const d =
      flow &&
      [...store.deployments.values()].find(
        (x) => x.flow_id === flow.id && x.name === params['deployment_name'],
      );
    if (!d) throw notFound('Deployment not found');
    return { status: 200, body: store.deploymentView(d) };
  },

  /**
   * Updates only the fields sent. Schedules: if all existing AND all provided schedules have slugs, a
   * targeted update by slug (`replaces` renames), deleting schedules not mentioned; runs of unchanged
   * schedules are kept. Existing all slugged but some provided without slug → 422. Otherwise the
   * schedules are replaced (and future auto-scheduled runs deleted).
   */
  'PATCH /deployments/{id}': ({ store, params, body, scheduleSoon }) => {
    const d = deploymentOr404(store, params['id']!);
    checkConcurrency(body);
    const wasPaused = d.paused;
    if ('work_pool_name' in body || 'work_queue_name' in body) {
      assignQueue(
        store,
        d,
        'work_pool_name' in body ? body.work_pool_name : d.work_pool_name,
        'work_queue_name' in body ? body.work_queue_name : d.work_queue_name,
      );
    }
    if ('schedules' in body) {
      const provided: any[] = body.schedules ?? [];
      const allProvided = provided.length > 0 && provided.every((s) => s.slug);
      const allExisting = d.schedules.length > 0 && d.schedules.every((s) => s.slug);
      if (provided.length > 0 && allExisting && !allProvided) {
        throw new RequestValidationError([
          {
            type: 'value_error',
            loc: ['body', 'schedules'],
            msg: 'Please provide a slug for each schedule in your request to ensure schedules are updated correctly.',
            input: provided,
          },
        ]);
      }
      if (allProvided && allExisting) {
        const keep = new Set<string>();
        const next = [...d.schedules];
        for (const p of provided) {
          const existing =
            d.schedules.find((s) => s.slug === (p.replaces ?? p.slug)) ??
            d.schedules.find((s) => s.slug === p.slug);
          if (existing) {
            if (patchSchedule(d, existing, p))
              store.deleteScheduledRuns(d.id, {
                autoScheduledOnly: true,
                futureOnly: true,
                scheduleId: existing.id,
              });
            keep.add(existing.id);
          } else {
            if (!p.schedule)
              throw new HttpError(422, {
                detail: `Schedule with slug '${p.slug}' not found and no schedule definition given.`,
              });
            const s = newSchedule(d, p);
            next.push(s);
            keep.add(s.id);
          }
        }
        for (const s of d.schedules)
          if (!keep.has(s.id))
            store.deleteScheduledRuns(d.id, { autoScheduledOnly: true, futureOnly: true, scheduleId: s.id });
        d.schedules = next.filter((s) => keep.has(s.id));
      } else {
        const created = provided.map((p) => {
          if (!p.schedule)
            throw new RequestValidationError([
              { type: 'missing', loc: ['body', 'schedules', 'schedule'], msg: 'Field required', input: p },
            ]);
          return newSchedule(d, p);
        });
        store.deleteScheduledRuns(d.id, { autoScheduledOnly: true, futureOnly: true });
        d.schedules = created;
      }
    }
    applyPlain(d, body);
    if (d.paused && !wasPaused)
      store.deleteScheduledRuns(d.id, { autoScheduledOnly: true, futureOnly: false });
    scheduleSoon();
    return { status: 204 };
  },

  'DELETE /deployments/{id}': ({ store, params }) => {
    const d = deploymentOr404(store, params['id']!);
    store.deleteScheduledRuns(d.id, { autoScheduledOnly: false, futureOnly: false });
    store.deployments.delete(d.id);
    return { status: 204 };
  },

  'POST /deployments/filter': ({ store, body }) => ({
    status: 200,
    body: filterDeployments(store, body).map((d) => store.deploymentView(d)),
  }),
  'POST /deployments/count': ({ store, body }) => ({
    status: 200,
    body: filterDeployments(store, { ...body, limit: 200, offset: 0 }).length,
  }),

  'POST /deployments/{id}/pause_deployment': ({ store, params }) => {
    const d = deploymentOr404(store, params['id']!);
    d.paused = true;
    d.updated = iso();
    store.deleteScheduledRuns(d.id, { autoScheduledOnly: true, futureOnly: false });
    return { status: 200, body: null };
  },
  'POST /deployments/{id}/resume_deployment': ({ store, params, scheduleSoon }) => {
    const d = deploymentOr404(store, params['id']!);
    d.paused = false;
    d.updated = iso();
    scheduleSoon();
    return { status: 200, body: null };
  },
};
