import type { StateType } from './prefect.types.js';
import type { TaskDefinition } from '../../interfaces/index.js';

/** A deployment this process can execute. */
export interface DeploymentEntry {
  task: TaskDefinition;
  jobId: string;
  deploymentId: string;
  flowName: string;
  deploymentName: string;
  /** The pool queue its runs go to; set at registration. */
  workQueueName?: string;
  /** Set when Prefect came back after an outage: schedule ticks due before this ran on the fallback tier. */
  skipScheduledBefore?: Date;
}

/** A flow run this worker claimed. `controller` aborts the method (cancel, shutdown); `release` gives back a run not yet started. */
export interface ActiveRun {
  flowRunId: string;
  phase: 'claiming' | 'waiting' | 'running' | 'finishing';
  controller: AbortController;
  release: AbortController;
  abortKind?: 'cancel' | 'shutdown';
  /** The last state Prefect confirmed for this run (null before the claim). */
  known: StateType | null;
  /** Transition ids of this worker's proposals: a current state carrying one is this worker's. */
  own: Set<string>;
}

export const emptyResults = (): Record<RunResult, number> => ({
  skipped: 0,
  completed: 0,
  failed: 0,
  cancelled: 0,
  crashed: 0,
  'not-claimed': 0,
  released: 0,
  aborted: 0,
  error: 0,
});

export type RunResult =
  | 'skipped'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'crashed'
  | 'not-claimed'
  | 'released'
  | 'aborted'
  | 'error';
