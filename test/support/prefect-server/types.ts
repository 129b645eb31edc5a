/**
 * Objects as the Prefect 3.8 REST API returns them (snake_case JSON field names, ISO-8601 date strings).
 * The test server stores exactly these shapes, so hooks and HTTP responses agree.
 */
export type Json = Record<string, unknown>;

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
  flow_run_id: string | null;
  task_run_id: string | null;
  child_flow_run_id: string | null;
  scheduled_time: string | null;
  cache_key: string | null;
  cache_expiration: string | null;
  deferred: boolean | null;
  untrackable_result: boolean;
  pause_timeout: string | null;
  pause_reschedule: boolean;
  pause_key: string | null;
  run_input_keyset: Json | null;
  refresh_cache: boolean | null;
  retriable: boolean | null;
  transition_id: string | null;
  task_parameters_id: string | null;
  traceparent: string | null;
  deployment_concurrency_lease_id: string | null;
}

export interface State {
  id: string;
  type: StateType;
  name: string;
  timestamp: string;
  message: string | null;
  data: unknown;
  state_details: StateDetails;
}

export interface Flow {
  id: string;
  created: string;
  updated: string;
  name: string;
  tags: string[];
  labels: Json;
}

export interface IntervalSchedule {
  interval: number;
  anchor_date: string;
  timezone: string | null;
}
export interface CronSchedule {
  cron: string;
  timezone: string | null;
  day_or: boolean;
}
export interface RRuleSchedule {
  rrule: string;
  timezone: string | null;
}
export type Schedule = IntervalSchedule | CronSchedule | RRuleSchedule;

export interface DeploymentSchedule {
  id: string;
  created: string;
  updated: string;
  deployment_id: string;
  schedule: Schedule;
  active: boolean;
  max_scheduled_runs: number | null;
  parameters: Json;
  slug: string | null;
}

export type ReadyStatus = 'READY' | 'NOT_READY';

export interface Deployment {
  id: string;
  created: string;
  updated: string;
  name: string;
  version: string | null;
  version_info?: Json | null;
  description: string | null;
  flow_id: string;
  paused: boolean;
  schedules: DeploymentSchedule[];
  concurrency_limit: number | null;
  global_concurrency_limit: Json | null;
  concurrency_options: Json | null;
  job_variables: Json;
  parameters: Json;
  tags: string[];
  labels: Json;
  work_queue_name: string | null;
  work_queue_id: string | null;
  last_polled: string | null;
  parameter_openapi_schema: Json | null;
  path: string | null;
  pull_steps: unknown[] | null;
  entrypoint: string | null;
  storage_document_id: string | null;
  infrastructure_document_id: string | null;
  created_by: Json | null;
  updated_by: Json | null;
  work_pool_name: string | null;
  status: ReadyStatus;
  enforce_parameter_schema: boolean;
}

export interface FlowRunPolicy {
  max_retries: number;
  retry_delay_seconds: number;
  retries: number | null;
  retry_delay: number | null;
  pause_keys: string[] | null;
  resuming: boolean | null;
  retry_type: 'in_process' | 'reschedule' | null;
}

export interface FlowRun {
  id: string;
  created: string;
  updated: string;
  name: string;
  flow_id: string;
  state_id: string | null;
  deployment_id: string | null;
  deployment_version: string | null;
  work_queue_id: string | null;
  work_queue_name: string | null;
  work_pool_id: string | null;
  work_pool_name: string | null;
  flow_version: string | null;
  parameters: Json;
  idempotency_key: string | null;
  context: Json;
  empirical_policy: FlowRunPolicy;
  tags: string[];
  labels: Json;
  parent_task_run_id: string | null;
  state_type: StateType | null;
  state_name: string | null;
  run_count: number;
  expected_start_time: string | null;
  next_scheduled_start_time: string | null;
  start_time: string | null;
  end_time: string | null;
  total_run_time: number;
  estimated_run_time: number;
  estimated_start_time_delta: number;
  auto_scheduled: boolean;
  infrastructure_document_id: string | null;
  infrastructure_pid: string | null;
  created_by: Json | null;
  state: State | null;
  job_variables: Json;
}

export interface WorkPool {
  id: string;
  created: string;
  updated: string;
  name: string;
  description: string | null;
  type: string;
  base_job_template: Json;
  is_paused: boolean;
  concurrency_limit: number | null;
  status: 'READY' | 'NOT_READY' | 'PAUSED';
  default_queue_id: string;
  storage_configuration: Json;
  active_slots: number | null;
}

export interface WorkQueue {
  id: string;
  created: string;
  updated: string;
  name: string;
  description: string | null;
  is_paused: boolean;
  concurrency_limit: number | null;
  priority: number;
  work_pool_id: string;
  filter: null;
  last_polled: string | null;
  work_pool_name: string;
  status: 'READY' | 'NOT_READY' | 'PAUSED';
  active_slots?: number | null;
}

export interface Worker {
  id: string;
  created: string;
  updated: string;
  name: string;
  work_pool_id: string;
  last_heartbeat_time: string;
  heartbeat_interval_seconds: number | null;
  status: 'ONLINE' | 'OFFLINE';
}

export interface Log {
  id: string;
  created: string;
  updated: string;
  name: string;
  level: number;
  message: string;
  timestamp: string;
  flow_run_id: string | null;
  task_run_id: string | null;
}

/** A task run as GET /task_runs/{id} shows it (TaskRun in openapi.json). */
export interface TaskRun {
  id: string;
  created: string;
  updated: string;
  name: string;
  flow_run_id: string | null;
  task_key: string;
  dynamic_key: string;
  cache_key: string | null;
  cache_expiration: string | null;
  task_version: string | null;
  empirical_policy: {
    max_retries: number;
    retry_delay_seconds: number;
    retries: number | null;
    retry_delay: number | number[] | null;
    retry_jitter_factor: number | null;
  };
  tags: string[];
  labels: Json;
  state_id: string | null;
  task_inputs: Record<string, Array<{ input_type: string; id?: string; name?: string; type?: string }>>;
  state_type: StateType | null;
  state_name: string | null;
  run_count: number;
  flow_run_run_count: number;
  expected_start_time: string | null;
  next_scheduled_start_time: string | null;
  start_time: string | null;
  end_time: string | null;
  total_run_time: number;
  estimated_run_time: number;
  estimated_start_time_delta: number;
  state: State | null;
}
