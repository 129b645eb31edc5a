/**
 * The subset of Prefect 3 REST shapes this tier reads and writes, with Prefect's JSON field names. Bodies
 * carry only fields that every 3.x server accepts (older servers answer 422 to fields they do not know).
 */

export type StateType =
  | 'SCHEDULED'
  | 'PENDING'
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'CANCELLED'
  | 'CRASHED'
  | 'PAUSED'
  | 'CANCELLING';

export const TERMINAL_STATES: readonly StateType[] = ['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED'];

export interface StateDetails {
  flow_run_id?: string | null;
  scheduled_time?: string | null;
  transition_id?: string | null;
  [field: string]: unknown;
}

export interface PrefectState {
  id?: string;
  type: StateType;
  name?: string | null;
  message?: string | null;
  timestamp?: string;
  state_details?: StateDetails;
}

export interface StateCreate {
  type: StateType;
  name?: string;
  message?: string;
  state_details?: {
    transition_id?: string;
    flow_run_id?: string;
    task_run_id?: string;
    scheduled_time?: string;
  };
}

export interface OrchestrationResult {
  status: 'ACCEPT' | 'REJECT' | 'ABORT' | 'WAIT';
  state: PrefectState | null;
  details: { type: string; reason?: string | null; delay_seconds?: number };
}

export interface PrefectFlow {
  id: string;
  name: string;
}

export interface CronScheduleBody {
  cron: string;
  timezone: string | null;
  day_or?: boolean;
}
export interface IntervalScheduleBody {
  interval: number;
  anchor_date: string;
  timezone: string | null;
}
export interface RRuleScheduleBody {
  rrule: string;
  timezone: string | null;
}
export type ScheduleBody = CronScheduleBody | IntervalScheduleBody | RRuleScheduleBody;

export interface DeploymentScheduleBody {
  schedule: ScheduleBody;
  active: boolean;
  slug: string;
}

export interface DeploymentSchedule {
  id: string;
  schedule: ScheduleBody;
  active: boolean;
  slug?: string | null;
}

/** The fields of a deployment this tier owns; everything else (e.g. `paused` after creation) is left alone. */
/** A deployment's concurrency as DeploymentCreate / DeploymentUpdate take it (≥ 3.1 for the options). */
export interface DeploymentConcurrency {
  concurrency_limit: number | null;
  concurrency_options: { collision_strategy: 'ENQUEUE' | 'CANCEL_NEW' } | null;
}

export interface DeploymentFields extends Partial<DeploymentConcurrency> {
  parameters: Record<string, unknown>;
  tags: string[];
  description: string | null;
  work_pool_name: string;
  work_queue_name: string | null;
  entrypoint: string;
  enforce_parameter_schema: boolean;
}

export interface PrefectDeployment extends DeploymentFields {
  /** Where a 3.x server shows the deployment's `concurrency_limit` (the field itself is always null). */
  global_concurrency_limit?: { limit: number } | null;
  id: string;
  name: string;
  flow_id: string;
  paused: boolean;
  schedules: DeploymentSchedule[];
}

export interface DeploymentCreate extends Partial<DeploymentFields> {
  name: string;
  flow_id: string;
  paused: boolean;
  schedules: DeploymentScheduleBody[];
  parameter_openapi_schema: Record<string, unknown>;
}

export type DeploymentUpdate = Partial<DeploymentFields> & {
  schedules?: DeploymentScheduleBody[];
  paused?: boolean;
};

export interface FlowRunPolicy {
  retries?: number | null;
  retry_delay?: number | null;
  retry_type?: string | null;
}

export interface PrefectFlowRun {
  id: string;
  name: string;
  flow_id: string;
  deployment_id: string | null;
  parameters: Record<string, unknown>;
  idempotency_key?: string | null;
  empirical_policy?: FlowRunPolicy;
  state_type?: StateType | null;
  state_name?: string | null;
  state?: PrefectState | null;
  run_count: number;
  auto_scheduled?: boolean;
  expected_start_time?: string | null;
  next_scheduled_start_time?: string | null;
  work_queue_name?: string | null;
  start_time?: string | null;
  end_time?: string | null;
}

export interface WorkerFlowRunResponse {
  work_pool_id: string;
  work_queue_id: string;
  flow_run: PrefectFlowRun;
}

export interface PrefectWorkPool {
  id: string;
  name: string;
  type: string;
  is_paused?: boolean;
}

export interface LogCreate {
  name: string;
  level: number;
  message: string;
  timestamp: string;
  flow_run_id: string | null;
  /** Set for the lines of a step: they show under the task run in the Prefect UI. */
  task_run_id?: string | null;
}

/** `POST /flow_runs/history`: the runs a filter matches in each interval, by state type and name. */
export interface FlowRunHistoryBody {
  history_start: string;
  history_end: string;
  history_interval_seconds: number;
  deployments?: { id: { any_: string[] } };
}

export interface FlowRunHistoryInterval {
  interval_start: string;
  interval_end: string;
  states: Array<{ state_type: StateType; state_name: string; count_runs: number }>;
}

export interface FlowRunFilterBody {
  flow_runs?: {
    id?: { any_: string[] };
    deployment_id?: { any_: string[] };
    state?: { type?: { any_: StateType[] } };
    /** `is_null_: false`: only runs that started. */
    start_time?: { is_null_: boolean };
  };
  sort?:
    'EXPECTED_START_TIME_ASC' | 'EXPECTED_START_TIME_DESC' | 'START_TIME_DESC' | 'END_TIME_DESC' | 'ID_DESC';
  limit?: number;
}
