import type { PrefectState, StateCreate } from './prefect.types.js';

/** An upstream named in `task_inputs`: what draws an edge in the run graph (`/flow_runs/{id}/graph-v2`). */
export interface TaskRunInput {
  input_type: 'task_run';
  id: string;
}

/** `POST /task_runs/` (TaskRunCreate; every field here exists since 3.0). */
export interface TaskRunCreate {
  flow_run_id: string;
  task_key: string;
  dynamic_key: string;
  name: string;
  tags: string[];
  empirical_policy: { retries: number; retry_delay: number };
  task_inputs: Record<string, TaskRunInput[]>;
  state: StateCreate;
}

export interface PrefectTaskRun {
  id: string;
  name: string;
  flow_run_id: string | null;
  task_key: string;
  dynamic_key: string;
  run_count: number;
  state_type?: string | null;
  state?: PrefectState | null;
}
