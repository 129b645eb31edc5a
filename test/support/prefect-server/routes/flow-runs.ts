/** Flow runs: read, PATCH, filter, set_state, and create_flow_run from a deployment. */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { HttpError, type RouteContext, type Routes } from '../router.js';
import { proposeState, writeState, type StateProposal } from '../orchestration.js';
import { type Store, clone, defaultPolicy, iso } from '../store.js';
import type { Deployment, FlowRun, FlowRunPolicy } from '../types.js';
import { limitOf } from './flows.js';
import { deploymentOr404, flowRunOr404 } from './lookups.js';

/** As GET /flow_runs/{id} shows a run. */
export const runView = (r: FlowRun): FlowRun => clone(r);

export interface CreateRunOptions {
  state?: StateProposal | null;
  name?: string | null;
  parameters?: Record<string, unknown>;
  tags?: string[];
  labels?: Record<string, unknown> | null;
  idempotency_key?: string | null;
  empirical_policy?: Partial<FlowRunPolicy>;
  context?: Record<string, unknown>;
  work_queue_name?: string | null;
  job_variables?: Record<string, unknown> | null;
  enforce_parameter_schema?: boolean | null;
  /** A subflow: the task run (of the parent flow run) that links it; graph-v2 shows it as a flow-run node. */
  parent_task_run_id?: string | null;
}

/** POST /deployments/{id}/create_flow_run semantics; `created` false when the idempotency key matched. */
export function createRunFromDeployment(
  store: Store,
  d: Deployment,
  o: CreateRunOptions,
): { run: FlowRun; created: boolean } {
  const flow = store.flows.get(d.flow_id)!;
  if (o.idempotency_key) {
    const existing = store.runByIdempotencyKey(flow.id, o.idempotency_key);
    if (existing) return { run: existing, created: false };
  }
  const parameters = { ...d.parameters, ...(o.parameters ?? {}) };
  if ((o.enforce_parameter_schema ?? d.enforce_parameter_schema) && d.parameter_openapi_schema) {
    const validate = new Ajv2020({ strict: false }).compile(d.parameter_openapi_schema);
    if (!validate(parameters)) {
      throw new HttpError(409, {
        detail: `Error creating flow run: Validation failed. Failure reason: ${validate.errors?.map((e) => `${e.instancePath} ${e.message}`).join('; ')}`,
      });
    }
  }
  const pool = d.work_pool_name ? store.workPools.get(d.work_pool_name) : undefined;
  let queue = d.work_queue_id ? store.workQueues.get(d.work_queue_id) : undefined;
  if (o.work_queue_name && pool)
    queue =
      store.queueByName(pool, o.work_queue_name) ?? store.createQueue(pool, { name: o.work_queue_name });
  const run = store.newFlowRun({
    flow,
    deployment: d,
    pool,
    queue,
    name: o.name,
    parameters,
    tags: [...new Set([...d.tags, ...(o.tags ?? [])])],
    labels: { ...d.labels, ...(o.labels ?? {}) },
    idempotencyKey: o.idempotency_key ?? null,
    empiricalPolicy: o.empirical_policy,
    context: o.context,
    jobVariables: { ...d.job_variables, ...(o.job_variables ?? {}) },
  });
  run.parent_task_run_id = o.parent_task_run_id ?? null;
  writeState(store, run, o.state ?? { type: 'SCHEDULED', name: 'Scheduled' });
  return { run, created: true };
}

/** The runs a filter body matches, all of them (the count and history endpoints do not page). */
function matchingRuns(store: Store, body: any): FlowRun[] {
  const f = body.flow_runs ?? {};
  const has = (list: unknown[] | null | undefined, v: unknown) => list == null || list.includes(v);
  const hasNot = (list: unknown[] | null | undefined, v: unknown) => list == null || !list.includes(v);
  const deploymentIds: string[] | undefined = body.deployments?.id?.any_ ?? undefined;
  const flowIds: string[] | undefined = body.flows?.id?.any_ ?? undefined;
  const poolNames: string[] | undefined = body.work_pools?.name?.any_ ?? undefined;
  return [...store.flowRuns.values()].filter(
    (r) =>
      has(f.id?.any_, r.id) &&
      hasNot(f.id?.not_any_, r.id) &&
      has(f.name?.any_, r.name) &&
      has(f.state?.type?.any_, r.state_type) &&
      hasNot(f.state?.type?.not_any_, r.state_type) &&
      has(f.state?.name?.any_, r.state_name) &&
      hasNot(f.state?.name?.not_any_, r.state_name) &&
      has(f.deployment_id?.any_, r.deployment_id) &&
      has(f.work_queue_name?.any_, r.work_queue_name) &&
      has(f.idempotency_key?.any_, r.idempotency_key) &&
      (f.tags?.all_ == null || (f.tags.all_ as string[]).every((t) => r.tags.includes(t))) &&
      (f.deployment_id?.is_null_ == null || (r.deployment_id === null) === f.deployment_id.is_null_) &&
      (f.start_time?.is_null_ == null || (r.start_time === null) === f.start_time.is_null_) &&
      has(deploymentIds, r.deployment_id) &&
      has(flowIds, r.flow_id) &&
      has(poolNames, r.work_pool_name),
  );
}

/** POST /flow_runs/filter: the matching runs sorted and paged. */
function filterRuns(store: Store, body: any): FlowRun[] {
  let runs = matchingRuns(store, body);
  const t = (v: string | null) => (v ? Date.parse(v) : -Infinity);
  const sorts: Record<string, (a: FlowRun, b: FlowRun) => number> = {
    ID_DESC: (a, b) => b.id.localeCompare(a.id),
    START_TIME_ASC: (a, b) => t(a.start_time) - t(b.start_time),
    START_TIME_DESC: (a, b) => t(b.start_time) - t(a.start_time),
    EXPECTED_START_TIME_ASC: (a, b) => t(a.expected_start_time) - t(b.expected_start_time),
    EXPECTED_START_TIME_DESC: (a, b) => t(b.expected_start_time) - t(a.expected_start_time),
    NAME_ASC: (a, b) => a.name.localeCompare(b.name),
    NAME_DESC: (a, b) => b.name.localeCompare(a.name),
    NEXT_SCHEDULED_START_TIME_ASC: (a, b) => t(a.next_scheduled_start_time) - t(b.next_scheduled_start_time),
    END_TIME_DESC: (a, b) => t(b.end_time) - t(a.end_time),
  };
  runs.sort(sorts[body.sort ?? 'ID_DESC'] ?? sorts['ID_DESC']);
  const offset = body.offset ?? 0;
  runs = runs.slice(offset, offset + limitOf(body));
  return runs;
}

const HISTORY_MAX_INTERVALS = 500;

/**
 * POST /flow_runs/history as Prefect's run_history: intervals of `history_interval_seconds` from `history_start`
 * while before `history_end` (at most 500), each with the matching runs whose expected_start_time falls in it,
 * grouped by state type and name (an interval without runs has no states).
 */
function runHistory(store: Store, body: any): unknown[] {
  const seconds = Number(body.history_interval_seconds);
  if (!(seconds >= 1))
    throw new HttpError(422, { detail: 'History interval must not be less than 1 second.' });
  const start = Date.parse(body.history_start);
  const end = Date.parse(body.history_end);
  const runs = matchingRuns(store, body);
  const intervals: unknown[] = [];
  for (let from = start; from < end && intervals.length < HISTORY_MAX_INTERVALS; from += seconds * 1000) {
    const to = from + seconds * 1000;
    const states = new Map<string, Record<string, unknown> & { count_runs: number }>();
    for (const run of runs) {
      const expected = run.expected_start_time ? Date.parse(run.expected_start_time) : NaN;
      if (!(expected >= from && expected < to)) continue;
      const key = `${run.state_type}\0${run.state_name}`;
      const state = states.get(key) ?? {
        state_type: run.state_type,
        state_name: run.state_name,
        count_runs: 0,
        sum_estimated_run_time: 0,
        sum_estimated_lateness: 0,
      };
      state.count_runs++;
      (state.sum_estimated_run_time as number) += Math.max(0, run.estimated_run_time);
      (state.sum_estimated_lateness as number) += Math.max(0, run.estimated_start_time_delta);
      states.set(key, state);
    }
    intervals.push({
      interval_start: iso(new Date(from)),
      interval_end: iso(new Date(to)),
      states: [...states.values()],
    });
  }
  return intervals;
}

export const flowRunRoutes: Routes = {
  'GET /flow_runs/{id}': ({ store, params }) => ({
    status: 200,
    body: runView(flowRunOr404(store, params['id']!)),
  }),
  'PATCH /flow_runs/{id}': ({ store, params, body }) => {
    const run = flowRunOr404(store, params['id']!);
    for (const k of [
      'name',
      'flow_version',
      'parameters',
      'tags',
      'infrastructure_pid',
      'job_variables',
    ] as const) {
      if (k in body) (run as any)[k] = body[k] ?? (k === 'job_variables' ? {} : body[k]);
    }
    // Pydantic replaces the nested policy: sub-fields not sent fall back to their defaults.
    if (body.empirical_policy) run.empirical_policy = defaultPolicy(body.empirical_policy);
    run.updated = iso();
    return { status: 204 };
  },
  'DELETE /flow_runs/{id}': ({ store, params }) => {
    flowRunOr404(store, params['id']!);
    store.deleteRun(params['id']!);
    return { status: 204 };
  },
  'POST /flow_runs/filter': ({ store, body }) => ({
    status: 200,
    body: filterRuns(store, body).map(runView),
  }),
  'POST /flow_runs/count': ({ store, body }) => ({
    status: 200,
    body: matchingRuns(store, body).length,
  }),
  'POST /flow_runs/history': ({ store, body }) => ({ status: 200, body: runHistory(store, body) }),
  'POST /flow_runs/{id}/set_state': ({ store, params, body }) => {
    const run = flowRunOr404(store, params['id']!);
    const { result, written } = proposeState(store, run, body.state, body.force ?? false);
    return { status: written ? 201 : 200, body: result };
  },
  /**
   * flow.serve()-style poll for deployments without a work pool: SCHEDULED runs by next_scheduled_start_time,
   * marks deployments READY. Unlike the work-pool poll, Prefect's version (a plain FlowRunFilter) does not
   * leave out in-process retries (AwaitingRetry with retry_type 'in_process'), and neither does this one.
   */
  'POST /deployments/get_scheduled_flow_runs': ({ store, body }) => {
    const ids: string[] = body.deployment_ids ?? [];
    const now = iso();
    for (const id of ids) {
      const d = store.deployments.get(id);
      if (d) {
        d.last_polled = now;
        d.status = 'READY';
      }
    }
    const before = body.scheduled_before ? Date.parse(body.scheduled_before) : Infinity;
    const runs = [...store.flowRuns.values()]
      .filter((r) => r.deployment_id && ids.includes(r.deployment_id) && r.state_type === 'SCHEDULED')
      .filter((r) => Date.parse(r.next_scheduled_start_time ?? '') <= before)
      .sort((a, b) => Date.parse(a.next_scheduled_start_time!) - Date.parse(b.next_scheduled_start_time!));
    return { status: 200, body: runs.slice(0, limitOf(body)).map(runView) };
  },
  'POST /deployments/{id}/create_flow_run': ({ store, params, body }: RouteContext) => {
    const d = deploymentOr404(store, params['id']!);
    const { run, created } = createRunFromDeployment(store, d, body);
    return { status: created ? 201 : 200, body: runView(run) };
  },
};
