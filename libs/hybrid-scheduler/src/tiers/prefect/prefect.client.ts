import { randomUUID } from 'node:crypto';
import { PrefectHttp, type PrefectHttpOptions } from './prefect-http.client.js';
import type {
  DeploymentCreate,
  DeploymentScheduleBody,
  DeploymentUpdate,
  FlowRunFilterBody,
  FlowRunHistoryBody,
  FlowRunHistoryInterval,
  FlowRunPolicy,
  LogCreate,
  OrchestrationResult,
  PrefectDeployment,
  PrefectFlow,
  PrefectFlowRun,
  PrefectWorkPool,
  StateCreate,
  WorkerFlowRunResponse,
} from './prefect.types.js';
import type { PrefectTaskRun, TaskRunCreate } from './prefect-task-run.types.js';

const enc = encodeURIComponent;

/** Typed calls to the Prefect 3 REST endpoints this tier needs (paths relative to the API URL). */
export class PrefectClient {
  readonly http: PrefectHttp;

  constructor(options: PrefectHttpOptions) {
    this.http = new PrefectHttp(options);
  }

  get apiUrl(): string {
    return this.http.apiUrl;
  }

  /** `GET /health`; throws PrefectApiError / PrefectUnreachableError. Fast: no retries. */
  async health(timeoutMs: number): Promise<void> {
    await this.http.get<boolean>('/health', { retries: 0, timeoutMs });
  }

  async readWorkPool(name: string, fast = false): Promise<PrefectWorkPool | null> {
    const res = await this.http.get<PrefectWorkPool>(`/work_pools/${enc(name)}`, {
      allow: [404],
      ...(fast ? { retries: 0 } : {}),
    });
    return res.status === 404 ? null : res.body;
  }

  /** Creates the pool; false when it already existed (409). */
  async createWorkPool(name: string, type: string, description: string): Promise<boolean> {
    const res = await this.http.post('/work_pools/', { name, type, description }, { allow: [409] });
    return res.status !== 409;
  }

  /** Creates a queue of the pool; false when it already existed (409). */
  async createWorkQueue(pool: string, name: string): Promise<boolean> {
    const res = await this.http.post(`/work_pools/${enc(pool)}/queues`, { name }, { allow: [409] });
    return res.status !== 409;
  }

  /** Create-or-read by name. */
  async createFlow(name: string): Promise<PrefectFlow> {
    return (await this.http.post<PrefectFlow>('/flows/', { name, tags: [] })).body;
  }

  async readDeploymentByName(flow: string, name: string): Promise<PrefectDeployment | null> {
    const res = await this.http.get<PrefectDeployment>(`/deployments/name/${enc(flow)}/${enc(name)}`, {
      allow: [404],
    });
    return res.status === 404 ? null : res.body;
  }

  async readDeployment(id: string): Promise<PrefectDeployment | null> {
    const res = await this.http.get<PrefectDeployment>(`/deployments/${id}`, { allow: [404] });
    return res.status === 404 ? null : res.body;
  }

  /** The ids among `ids` that exist (one request for up to 200). */
  async filterDeployments(ids: string[], signal?: AbortSignal): Promise<Set<string>> {
    const body = { deployments: { id: { any_: ids.slice(0, 200) } }, limit: 200 };
    const found = (await this.http.post<PrefectDeployment[]>('/deployments/filter', body, { signal })).body;
    return new Set(found.map((d) => d.id));
  }

  async createDeployment(body: DeploymentCreate): Promise<PrefectDeployment> {
    return (await this.http.post<PrefectDeployment>('/deployments/', body)).body;
  }

  async updateDeployment(id: string, body: DeploymentUpdate): Promise<void> {
    await this.http.patch(`/deployments/${id}`, body);
  }

  async createSchedules(deploymentId: string, schedules: DeploymentScheduleBody[]): Promise<void> {
    await this.http.post(`/deployments/${deploymentId}/schedules`, schedules);
  }

  async deleteSchedule(deploymentId: string, scheduleId: string): Promise<void> {
    await this.http.delete(`/deployments/${deploymentId}/schedules/${scheduleId}`, { allow: [404] });
  }

  /** `created` is false when an idempotency key matched an existing run (200 instead of 201). */
  async createFlowRun(
    deploymentId: string,
    body: {
      parameters?: Record<string, unknown>;
      idempotency_key?: string;
      state?: StateCreate;
      empirical_policy?: FlowRunPolicy;
      /** Links the run as a subflow of the flow run that task run belongs to. */
      parent_task_run_id?: string;
    },
  ): Promise<{ run: PrefectFlowRun; created: boolean }> {
    const res = await this.http.post<PrefectFlowRun>(`/deployments/${deploymentId}/create_flow_run`, body, {
      idempotent: body.idempotency_key !== undefined,
    });
    return { run: res.body, created: res.status === 201 };
  }

  async readFlowRun(id: string, signal?: AbortSignal): Promise<PrefectFlowRun> {
    return (await this.http.get<PrefectFlowRun>(`/flow_runs/${id}`, { signal })).body;
  }

  async updateFlowRun(
    id: string,
    body: { infrastructure_pid?: string; empirical_policy?: FlowRunPolicy },
  ): Promise<void> {
    await this.http.patch(`/flow_runs/${id}`, body);
  }

  async filterFlowRuns(body: FlowRunFilterBody): Promise<PrefectFlowRun[]> {
    return (await this.http.post<PrefectFlowRun[]>('/flow_runs/filter', body)).body;
  }

  /** `POST /flow_runs/history` (a read: retried like one), failing within `timeoutMs`. */
  async flowRunHistory(body: FlowRunHistoryBody, timeoutMs: number): Promise<FlowRunHistoryInterval[]> {
    return (
      await this.http.post<FlowRunHistoryInterval[]>('/flow_runs/history', body, { retries: 0, timeoutMs })
    ).body;
  }

  /**
   * Proposes a state. A fresh transition id per logical transition makes a retried POST idempotent: the
   * server's PreventDuplicateTransitions rule answers a repeat with the current state.
   */
  async setState(
    flowRunId: string,
    state: StateCreate,
    force = false,
    { transitionId = randomUUID(), signal }: { transitionId?: string; signal?: AbortSignal } = {},
  ): Promise<OrchestrationResult> {
    const body = {
      state: {
        ...state,
        state_details: { ...state.state_details, flow_run_id: flowRunId, transition_id: transitionId },
      },
      force,
    };
    return (await this.http.post<OrchestrationResult>(`/flow_runs/${flowRunId}/set_state`, body, { signal }))
      .body;
  }

  async heartbeat(pool: string, workerName: string, intervalSeconds: number): Promise<void> {
    await this.http.post(`/work_pools/${enc(pool)}/workers/heartbeat`, {
      name: workerName,
      heartbeat_interval_seconds: intervalSeconds,
    });
  }

  async scheduledFlowRuns(
    pool: string,
    before: Date,
    limit: number,
    queues?: string[],
    after?: string,
  ): Promise<WorkerFlowRunResponse[]> {
    const body: Record<string, unknown> = { scheduled_before: before.toISOString(), limit };
    if (queues?.length) body.work_queue_names = queues;
    if (after) body.scheduled_after = after;
    return (
      await this.http.post<WorkerFlowRunResponse[]>(`/work_pools/${enc(pool)}/get_scheduled_flow_runs`, body)
    ).body;
  }

  async createLogs(logs: LogCreate[]): Promise<void> {
    await this.http.post('/logs/', logs, { idempotent: false });
  }

  /**
   * `POST /task_runs/`: the same (flow_run_id, task_key, dynamic_key) answers the existing task run (200), so a
   * retried request creates nothing twice.
   */
  async createTaskRun(body: TaskRunCreate): Promise<{ run: PrefectTaskRun; created: boolean }> {
    const res = await this.http.post<PrefectTaskRun>('/task_runs/', body);
    return { run: res.body, created: res.status === 201 };
  }

  async readTaskRun(id: string): Promise<PrefectTaskRun> {
    return (await this.http.get<PrefectTaskRun>(`/task_runs/${id}`)).body;
  }

  /**
   * Proposes a task-run state. Prefect's task policy has no duplicate-transition rule, so a lost answer is not
   * re-sent here (`idempotent: false`): the caller reads the run back and checks the transition id.
   */
  async setTaskRunState(
    taskRunId: string,
    state: StateCreate,
    force: boolean,
    transitionId: string,
  ): Promise<OrchestrationResult> {
    const body = {
      state: {
        ...state,
        state_details: { ...state.state_details, task_run_id: taskRunId, transition_id: transitionId },
      },
      force,
    };
    const path = `/task_runs/${taskRunId}/set_state`;
    return (await this.http.post<OrchestrationResult>(path, body, { idempotent: false })).body;
  }
}
