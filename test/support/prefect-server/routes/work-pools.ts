/** Work pools, their queues, worker heartbeats and the worker poll (get_scheduled_flow_runs). */
import { HttpError, RequestValidationError, notFound, type Routes } from '../router.js';
import { type Store, clone, iso, uuid } from '../store.js';
import type { FlowRun, WorkPool, WorkQueue, Worker } from '../types.js';
import { limitOf } from './flows.js';
import { poolOr404 } from './lookups.js';

/**
 * Prefect's foreman: a worker is OFFLINE after 3 × its heartbeat interval (30 s if unset) without a
 * heartbeat, and a pool is READY while it has an online worker.
 */
export function workerView(w: Worker): Worker {
  const view = clone(w);
  const window = w.heartbeat_interval_seconds ? 3 * w.heartbeat_interval_seconds * 1000 : 30_000;
  view.status = Date.now() - Date.parse(w.last_heartbeat_time) > window ? 'OFFLINE' : 'ONLINE';
  return view;
}

export function poolView(store: Store, pool: WorkPool): WorkPool {
  const view = clone(pool);
  const online = (store.workers.get(pool.name) ?? []).some((w) => workerView(w).status === 'ONLINE');
  view.status = pool.is_paused ? 'PAUSED' : online ? 'READY' : 'NOT_READY';
  view.active_slots = store.activeRuns((r) => r.work_pool_id === pool.id);
  return view;
}

function queueView(store: Store, q: WorkQueue): WorkQueue {
  const view = clone(q);
  view.status = q.is_paused
    ? 'PAUSED'
    : q.last_polled && Date.now() - Date.parse(q.last_polled) < 60_000
      ? 'READY'
      : 'NOT_READY';
  view.active_slots = store.activeRuns((r) => r.work_queue_id === q.id);
  return view;
}

function checkBaseJobTemplate(t: Record<string, unknown> | null | undefined): void {
  if (t && Object.keys(t).length > 0 && (!('job_configuration' in t) || !('variables' in t))) {
    throw new RequestValidationError([
      {
        type: 'value_error',
        loc: ['body', 'base_job_template'],
        msg: 'Value error, The `base_job_template` must contain both a `job_configuration` key and a `variables` key.',
        input: t,
      },
    ]);
  }
}

export const workPoolRoutes: Routes = {
  'POST /work_pools/': ({ store, body }) => {
    if (/^prefect/i.test(body.name))
      throw new HttpError(403, {
        detail: "Work pools starting with 'Prefect' are reserved for internal use.",
      });
    if (store.workPools.has(body.name))
      throw new HttpError(409, { detail: 'A work pool with this name already exists.' });
    checkBaseJobTemplate(body.base_job_template);
    const pool = store.createPool(body);
    return { status: 201, body: poolView(store, pool) };
  },
  'GET /work_pools/{name}': ({ store, params }) => ({
    status: 200,
    body: poolView(store, poolOr404(store, params['name']!)),
  }),
  'PATCH /work_pools/{name}': ({ store, params, body }) => {
    const pool = poolOr404(store, params['name']!);
    checkBaseJobTemplate(body.base_job_template);
    for (const k of [
      'description',
      'is_paused',
      'base_job_template',
      'concurrency_limit',
      'storage_configuration',
    ] as const) {
      if (k in body && !(body[k] === null && (k === 'is_paused' || k === 'base_job_template')))
        (pool as any)[k] = body[k];
    }
    pool.updated = iso();
    return { status: 204 };
  },
  'DELETE /work_pools/{name}': ({ store, params }) => {
    const pool = poolOr404(store, params['name']!);
    for (const q of store.queuesOf(pool)) store.workQueues.delete(q.id);
    store.workPools.delete(pool.name);
    store.workers.delete(pool.name);
    return { status: 204 };
  },
  'POST /work_pools/filter': ({ store, body }) => {
    let pools = [...store.workPools.values()];
    const names: string[] | undefined = body.work_pools?.name?.any_;
    if (names) pools = pools.filter((p) => names.includes(p.name));
    return { status: 200, body: pools.slice(0, limitOf(body)).map((p) => poolView(store, p)) };
  },

  'POST /work_pools/{work_pool_name}/queues': ({ store, params, body }) => {
    const pool = poolOr404(store, params['work_pool_name']!);
    if (store.queueByName(pool, body.name))
      throw new HttpError(409, { detail: 'A work queue with this name already exists.' });
    return { status: 201, body: queueView(store, store.createQueue(pool, body)) };
  },
  'GET /work_pools/{work_pool_name}/queues/{name}': ({ store, params }) => {
    const pool = poolOr404(store, params['work_pool_name']!);
    const q = store.queueByName(pool, params['name']!);
    if (!q) throw notFound(`Work pool queue '${pool.name}/${params['name']}' not found.`);
    return { status: 200, body: queueView(store, q) };
  },
  'PATCH /work_pools/{work_pool_name}/queues/{name}': ({ store, params, body }) => {
    const pool = poolOr404(store, params['work_pool_name']!);
    const q = store.queueByName(pool, params['name']!);
    if (!q) throw notFound(`Work pool queue '${pool.name}/${params['name']}' not found.`);
    for (const k of ['name', 'description', 'is_paused', 'concurrency_limit', 'priority'] as const) {
      if (k in body && body[k] !== null) (q as any)[k] = body[k];
    }
    q.updated = iso();
    return { status: 204 };
  },
  'POST /work_pools/{work_pool_name}/queues/filter': ({ store, params, body }) => {
    const pool = poolOr404(store, params['work_pool_name']!);
    const queues = store.queuesOf(pool).sort((a, b) => a.priority - b.priority);
    return {
      status: 200,
      body: queues
        .slice(body.offset ?? 0, (body.offset ?? 0) + limitOf(body))
        .map((q) => queueView(store, q)),
    };
  },

  'POST /work_pools/{work_pool_name}/workers/heartbeat': ({ store, params, body }) => {
    const pool = poolOr404(store, params['work_pool_name']!);
    const workers = store.workers.get(pool.name) ?? [];
    store.workers.set(pool.name, workers);
    const now = iso();
    let w = workers.find((x) => x.name === body.name);
    if (!w) {
      w = {
        id: uuid(),
        created: now,
        updated: now,
        name: body.name,
        work_pool_id: pool.id,
        last_heartbeat_time: now,
        heartbeat_interval_seconds: null,
        status: 'ONLINE',
      };
      workers.push(w);
    }
    w.last_heartbeat_time = now;
    w.updated = now;
    w.status = 'ONLINE';
    w.heartbeat_interval_seconds = body.heartbeat_interval_seconds ?? w.heartbeat_interval_seconds;
    return { status: 204 };
  },
  'POST /work_pools/{work_pool_name}/workers/filter': ({ store, params, body }) => {
    const pool = poolOr404(store, params['work_pool_name']!);
    return {
      status: 200,
      body: (store.workers.get(pool.name) ?? []).slice(0, limitOf(body)).map(workerView),
    };
  },
  'DELETE /work_pools/{work_pool_name}/workers/{name}': ({ store, params }) => {
    const pool = poolOr404(store, params['work_pool_name']!);
    const workers = store.workers.get(pool.name) ?? [];
    const i = workers.findIndex((w) => w.name === params['name']);
    if (i < 0) throw notFound(`Worker '${params['name']}' not found.`);
    workers.splice(i, 1);
    return { status: 204 };
  },

  /**
   * The worker poll. Selects SCHEDULED runs (incl. "Late") of the pool's unpaused queues with
   * next_scheduled_start_time in [scheduled_after, scheduled_before], skipping in-process retries, within
   * the pool/queue concurrency slots, ordered by queue priority then time. Claims nothing; marks the
   * polled queues and their deployments READY. `flow_run.state` is null, as in Prefect.
   */
  'POST /work_pools/{name}/get_scheduled_flow_runs': ({ store, params, body }) => {
    const pool = poolOr404(store, params['name']!);
    const limit = limitOf(body);
    const names: string[] | null | undefined = body.work_queue_names;
    let queues = store.queuesOf(pool);
    if (names?.length) {
      queues = names.map((n) => {
        const q = store.queueByName(pool, n);
        if (!q) throw notFound(`Work pool queue '${pool.name}/${n}' not found.`);
        return q;
      });
    }
    const now = iso();
    for (const q of queues) q.last_polled = now;
    const queueIds = new Set(queues.map((q) => q.id));
    for (const d of store.deployments.values()) {
      if (d.work_queue_id && queueIds.has(d.work_queue_id)) {
        d.last_polled = now;
        d.status = 'READY';
      }
    }
    if (pool.is_paused) return { status: 200, body: [] };
    const before = body.scheduled_before ? Date.parse(body.scheduled_before) : Infinity;
    const after = body.scheduled_after ? Date.parse(body.scheduled_after) : -Infinity;
    let poolSlots =
      pool.concurrency_limit == null
        ? Infinity
        : pool.concurrency_limit - store.activeRuns((r) => r.work_pool_id === pool.id);
    const out: Array<{ work_pool_id: string; work_queue_id: string; flow_run: FlowRun }> = [];
    for (const q of [...queues].sort((a, b) => a.priority - b.priority)) {
      if (q.is_paused) continue;
      let queueSlots =
        q.concurrency_limit == null
          ? Infinity
          : q.concurrency_limit - store.activeRuns((r) => r.work_queue_id === q.id);
      const runs = [...store.flowRuns.values()]
        .filter(
          (r) =>
            r.work_queue_id === q.id &&
            r.state_type === 'SCHEDULED' &&
            r.empirical_policy.retry_type !== 'in_process',
        )
        .filter((r) => {
          const t = Date.parse(r.next_scheduled_start_time ?? '');
          return t <= before && t >= after;
        })
        .sort((a, b) => Date.parse(a.next_scheduled_start_time!) - Date.parse(b.next_scheduled_start_time!));
      for (const r of runs) {
        if (out.length >= limit || poolSlots <= 0 || queueSlots <= 0) break;
        poolSlots--;
        queueSlots--;
        out.push({ work_pool_id: pool.id, work_queue_id: q.id, flow_run: { ...clone(r), state: null } });
      }
    }
    return { status: 200, body: out };
  },
};
