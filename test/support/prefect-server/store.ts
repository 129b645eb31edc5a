/** In-memory state of the Prefect test server, plus the small factories every route needs. */
import { randomUUID } from 'node:crypto';
import type {
  Deployment,
  DeploymentSchedule,
  Flow,
  FlowRun,
  FlowRunPolicy,
  Json,
  Log,
  State,
  StateDetails,
  StateType,
  TaskRun,
  WorkPool,
  WorkQueue,
  Worker,
} from './types.js';

export const iso = (d: Date | number = Date.now()): string => new Date(d).toISOString();
export const uuid = (): string => randomUUID();
export const clone = <T>(v: T): T => structuredClone(v);

/** Prefect's default state names: the capitalised type. */
export function defaultStateName(type: StateType): string {
  return type.charAt(0) + type.slice(1).toLowerCase();
}

export function emptyStateDetails(): StateDetails {
  return {
    flow_run_id: null,
    task_run_id: null,
    child_flow_run_id: null,
    scheduled_time: null,
    cache_key: null,
    cache_expiration: null,
    deferred: false,
    untrackable_result: false,
    pause_timeout: null,
    pause_reschedule: false,
    pause_key: null,
    run_input_keyset: null,
    refresh_cache: null,
    retriable: null,
    transition_id: null,
    task_parameters_id: null,
    traceparent: null,
    deployment_concurrency_lease_id: null,
  };
}

export function defaultPolicy(overrides: Partial<FlowRunPolicy> = {}): FlowRunPolicy {
  return {
    max_retries: 0,
    retry_delay_seconds: 0,
    retries: null,
    retry_delay: null,
    pause_keys: [],
    resuming: false,
    retry_type: null,
    ...overrides,
  };
}

const ADJECTIVES = [
  'amber',
  'brisk',
  'calm',
  'dapper',
  'eager',
  'fuzzy',
  'gentle',
  'hasty',
  'icy',
  'jolly',
  'keen',
  'lucky',
];
const ANIMALS = [
  'otter',
  'heron',
  'lynx',
  'moose',
  'finch',
  'gecko',
  'badger',
  'koala',
  'marmot',
  'wombat',
  'ibis',
  'yak',
];
/** Prefect names runs "adjective-animal". */
export function randomRunName(): string {
  const pick = (a: string[]) => a[Math.floor(Math.random() * a.length)];
  return `${pick(ADJECTIVES)}-${pick(ANIMALS)}`;
}

export interface NewFlowRun {
  flow: Flow;
  deployment?: Deployment | null;
  queue?: WorkQueue | null;
  pool?: WorkPool | null;
  name?: string | null;
  parameters?: Json;
  tags?: string[];
  labels?: Json;
  idempotencyKey?: string | null;
  autoScheduled?: boolean;
  createdBy?: Json | null;
  empiricalPolicy?: Partial<FlowRunPolicy>;
  context?: Json;
  jobVariables?: Json;
}

export class Store {
  readonly flows = new Map<string, Flow>();
  readonly deployments = new Map<string, Deployment>();
  readonly flowRuns = new Map<string, FlowRun>();
  readonly history = new Map<string, State[]>();
  readonly taskRuns = new Map<string, TaskRun>();
  /** Prefect's `deployments.concurrency_slot_wait_seconds`: how long an AwaitingConcurrencySlot run waits. */
  concurrencySlotWaitSeconds = 30;
  readonly taskHistory = new Map<string, State[]>();
  readonly logs: Log[] = [];
  readonly workPools = new Map<string, WorkPool>(); // by name
  readonly workQueues = new Map<string, WorkQueue>(); // by id
  readonly workers = new Map<string, Worker[]>(); // by pool name

  flowByName(name: string): Flow | undefined {
    return [...this.flows.values()].find((f) => f.name === name);
  }

  poolById(id: string | null): WorkPool | undefined {
    return [...this.workPools.values()].find((p) => p.id === id);
  }

  queuesOf(pool: WorkPool): WorkQueue[] {
    return [...this.workQueues.values()].filter((q) => q.work_pool_id === pool.id);
  }

  queueByName(pool: WorkPool, name: string): WorkQueue | undefined {
    return this.queuesOf(pool).find((q) => q.name === name);
  }

  createQueue(pool: WorkPool, body: Partial<WorkQueue> & { name: string }): WorkQueue {
    const now = iso();
    const existing = this.queuesOf(pool);
    const queue: WorkQueue = {
      id: uuid(),
      created: now,
      updated: now,
      name: body.name,
      description: body.description ?? '',
      is_paused: body.is_paused ?? false,
      concurrency_limit: body.concurrency_limit ?? null,
      priority: body.priority ?? existing.reduce((m, q) => Math.max(m, q.priority), 0) + 1,
      work_pool_id: pool.id,
      filter: null,
      last_polled: null,
      work_pool_name: pool.name,
      status: body.is_paused ? 'PAUSED' : 'NOT_READY',
    };
    this.workQueues.set(queue.id, queue);
    return queue;
  }

  createPool(body: Partial<WorkPool> & { name: string }): WorkPool {
    const now = iso();
    const pool: WorkPool = {
      id: uuid(),
      created: now,
      updated: now,
      name: body.name,
      description: body.description ?? null,
      type: body.type ?? 'prefect-agent',
      base_job_template: body.base_job_template ?? {},
      is_paused: body.is_paused ?? false,
      concurrency_limit: body.concurrency_limit ?? null,
      status: body.is_paused ? 'PAUSED' : 'NOT_READY',
      default_queue_id: '',
      storage_configuration: body.storage_configuration ?? {
        bundle_upload_step: null,
        bundle_execution_step: null,
        default_result_storage_block_id: null,
      },
      active_slots: null,
    };
    this.workPools.set(pool.name, pool);
    pool.default_queue_id = this.createQueue(pool, {
      name: 'default',
      description: "The work pool's default queue.",
      priority: 1,
    }).id;
    return pool;
  }

  /** Active runs (PENDING, RUNNING, CANCELLING) count against pool and queue concurrency slots. */
  activeRuns(filter: (r: FlowRun) => boolean): number {
    let n = 0;
    for (const r of this.flowRuns.values()) {
      if (
        (r.state_type === 'PENDING' || r.state_type === 'RUNNING' || r.state_type === 'CANCELLING') &&
        filter(r)
      )
        n++;
    }
    return n;
  }

  /** (flow_id, idempotency_key) → run id: Prefect's unique constraint, indexed. */
  private readonly idempotency = new Map<string, string>();

  runByIdempotencyKey(flowId: string, key: string): FlowRun | undefined {
    const id = this.idempotency.get(`${flowId} ${key}`);
    return id ? this.flowRuns.get(id) : undefined;
  }

  /** Creates a run WITHOUT a state; the caller sets the initial state through orchestration.writeState. */
  newFlowRun(o: NewFlowRun): FlowRun {
    const now = iso();
    const d = o.deployment ?? null;
    const run: FlowRun = {
      id: uuid(),
      created: now,
      updated: now,
      name: o.name ?? randomRunName(),
      flow_id: o.flow.id,
      state_id: null,
      deployment_id: d?.id ?? null,
      deployment_version: d?.version ?? null,
      work_queue_id: o.queue?.id ?? null,
      work_queue_name: o.queue?.name ?? null,
      work_pool_id: o.pool?.id ?? null,
      work_pool_name: o.pool?.name ?? null,
      flow_version: null,
      parameters: o.parameters ?? {},
      idempotency_key: o.idempotencyKey ?? null,
      context: o.context ?? {},
      empirical_policy: defaultPolicy(o.empiricalPolicy),
      tags: o.tags ?? [],
      labels: {
        'prefect.flow.id': o.flow.id,
        ...(d ? { 'prefect.deployment.id': d.id } : {}),
        ...(o.labels ?? {}),
      },
      parent_task_run_id: null,
      state_type: null,
      state_name: null,
      run_count: 0,
      expected_start_time: null,
      next_scheduled_start_time: null,
      start_time: null,
      end_time: null,
      total_run_time: 0,
      estimated_run_time: 0,
      estimated_start_time_delta: 0,
      auto_scheduled: o.autoScheduled ?? false,
      infrastructure_document_id: null,
      infrastructure_pid: null,
      created_by: o.createdBy ?? null,
      state: null,
      job_variables: o.jobVariables ?? {},
    };
    this.flowRuns.set(run.id, run);
    this.history.set(run.id, []);
    if (run.idempotency_key) this.idempotency.set(`${run.flow_id} ${run.idempotency_key}`, run.id);
    return run;
  }

  deleteRun(id: string): void {
    const run = this.flowRuns.get(id);
    if (run?.idempotency_key) this.idempotency.delete(`${run.flow_id} ${run.idempotency_key}`);
    this.flowRuns.delete(id);
    this.history.delete(id);
  }

  /**
   * Prefect's `_delete_scheduled_runs`: the deployment's still-SCHEDULED runs that never ran
   * (run_count 0), optionally only auto-scheduled ones / only future ones / only one schedule's,
   * never those waiting for a concurrency slot.
   */
  deleteScheduledRuns(
    deploymentId: string,
    opts: { autoScheduledOnly: boolean; futureOnly: boolean; scheduleId?: string },
  ): number {
    const now = Date.now();
    let n = 0;
    for (const r of [...this.flowRuns.values()]) {
      if (r.deployment_id !== deploymentId || r.state_type !== 'SCHEDULED' || r.run_count !== 0) continue;
      if (r.state_name === 'AwaitingConcurrencySlot') continue;
      if (opts.autoScheduledOnly && !r.auto_scheduled) continue;
      if (opts.futureOnly && Date.parse(r.next_scheduled_start_time ?? r.expected_start_time ?? '') <= now)
        continue;
      if (opts.scheduleId && r.created_by?.['id'] !== opts.scheduleId) continue;
      this.deleteRun(r.id);
      n++;
    }
    return n;
  }

  /** Deployment as the API shows it: READY only if polled within the last 60 s. */
  deploymentView(d: Deployment): Deployment {
    const view = clone(d);
    // A 3.x server keeps `concurrency_limit` null in answers and shows the limit as a global concurrency limit.
    view.concurrency_limit = null;
    view.global_concurrency_limit =
      d.concurrency_limit == null
        ? null
        : {
            id: d.id,
            created: d.created,
            updated: d.updated,
            active: true,
            name: `deployment:${d.id}`,
            limit: d.concurrency_limit,
            active_slots: this.activeRuns((r) => r.deployment_id === d.id),
            slot_decay_per_second: 0,
          };
    if (!d.last_polled || Date.now() - Date.parse(d.last_polled) > 60_000) view.status = 'NOT_READY';
    view.schedules = [...d.schedules].sort((a, b) => a.created.localeCompare(b.created));
    return view;
  }

  scheduleById(d: Deployment, id: string): DeploymentSchedule | undefined {
    return d.schedules.find((s) => s.id === id);
  }
}
