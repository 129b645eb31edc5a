/** Task runs: create (or read back by flow run, task key and dynamic key), read, filter, set_state. */
import { notFound, type Routes } from '../router.js';
import { proposeTaskState, writeTaskState } from '../task-orchestration.js';
import { type Store, clone, iso, uuid } from '../store.js';
import type { TaskRun } from '../types.js';
import { limitOf } from './flows.js';
import { flowRunOr404 } from './lookups.js';

function taskRunOr404(store: Store, id: string): TaskRun {
  const run = store.taskRuns.get(id);
  if (!run) throw notFound('Task not found');
  return run;
}

/** Prefect's unique (flow_run_id, task_key, dynamic_key). */
const sameKeys = (
  store: Store,
  body: { flow_run_id?: string | null; task_key: string; dynamic_key: string },
) =>
  [...store.taskRuns.values()].find(
    (r) =>
      r.flow_run_id === (body.flow_run_id ?? null) &&
      r.task_key === body.task_key &&
      r.dynamic_key === body.dynamic_key,
  );

export const taskRunRoutes: Routes = {
  /** Creates a task run in its given state (PENDING when none), written as a forced state; the same keys answer the existing run, 200. */
  'POST /task_runs/': ({ store, body }) => {
    if (body.flow_run_id) flowRunOr404(store, body.flow_run_id);
    const existing = sameKeys(store, body);
    if (existing) return { status: 200, body: clone(existing) };
    const now = iso();
    const policy = body.empirical_policy ?? {};
    const run: TaskRun = {
      id: body.id ?? uuid(),
      created: now,
      updated: now,
      name: body.name ?? `${body.task_key}-${body.dynamic_key}`,
      flow_run_id: body.flow_run_id ?? null,
      task_key: body.task_key,
      dynamic_key: body.dynamic_key,
      cache_key: body.cache_key ?? null,
      cache_expiration: body.cache_expiration ?? null,
      task_version: body.task_version ?? null,
      empirical_policy: {
        max_retries: policy.max_retries ?? 0,
        retry_delay_seconds: policy.retry_delay_seconds ?? 0,
        retries: policy.retries ?? null,
        retry_delay: policy.retry_delay ?? null,
        retry_jitter_factor: policy.retry_jitter_factor ?? null,
      },
      tags: body.tags ?? [],
      labels: body.labels ?? {},
      state_id: null,
      task_inputs: body.task_inputs ?? {},
      state_type: null,
      state_name: null,
      run_count: 0,
      flow_run_run_count: 0,
      expected_start_time: null,
      next_scheduled_start_time: null,
      start_time: null,
      end_time: null,
      total_run_time: 0,
      estimated_run_time: 0,
      estimated_start_time_delta: 0,
      state: null,
    };
    store.taskRuns.set(run.id, run);
    store.taskHistory.set(run.id, []);
    writeTaskState(store, run, body.state ?? { type: 'PENDING', name: 'Pending' });
    return { status: 201, body: clone(run) };
  },
  'GET /task_runs/{id}': ({ store, params }) => ({
    status: 200,
    body: clone(taskRunOr404(store, params['id']!)),
  }),
  'POST /task_runs/filter': ({ store, body }) => {
    const flowRunIds: string[] | undefined = body.flow_runs?.id?.any_ ?? body.task_runs?.flow_run_id?.any_;
    const ids: string[] | undefined = body.task_runs?.id?.any_;
    const runs = [...store.taskRuns.values()]
      .filter(
        (r) =>
          (!flowRunIds || (r.flow_run_id && flowRunIds.includes(r.flow_run_id))) &&
          (!ids || ids.includes(r.id)),
      )
      .sort((a, b) => b.id.localeCompare(a.id));
    const offset = body.offset ?? 0;
    return { status: 200, body: runs.slice(offset, offset + limitOf(body)).map(clone) };
  },
  'POST /task_runs/{id}/set_state': ({ store, params, body }) => {
    const run = taskRunOr404(store, params['id']!);
    const { result, written } = proposeTaskState(store, run, body.state, body.force ?? false);
    return { status: written ? 201 : 200, body: result };
  },
};
