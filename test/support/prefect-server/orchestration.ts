/**
 * Flow-run orchestration as in Prefect 3.8's core flow policy (rules re-implemented from the notes in
 * /work/shared/prefect/API-NOTES.md §1.9; no Prefect code copied). Rules, in priority order:
 *
 *  1. PreventDuplicateTransitions: a proposal carrying the current state's transition_id → REJECT,
 *     current state returned (idempotent retries of the same POST).
 *  2. HandleFlowTerminalStateTransitions: from COMPLETED/FAILED/CANCELLED/CRASHED → ABORT, except a manual
 *     reschedule (SCHEDULED) of a run that has a deployment.
 *  3. EnforceCancellingToCancelledTransition: from CANCELLING anything but CANCELLED → REJECT (current state).
 *  4. BypassCancellingFlowRunsWithNoInfra: SCHEDULED/PAUSED → CANCELLING without infrastructure_pid →
 *     REJECT into Cancelled.
 *  5. PreventPendingTransitions: PENDING from PENDING/RUNNING/CANCELLING/CANCELLED → ABORT (the claim
 *     lock); PENDING → PENDING is allowed only to rename to something other than "Pending" ("Submitting").
 *  6. CopyScheduledTime: SCHEDULED → PENDING keeps the scheduled_time.
 *  7. WaitForScheduledTime: SCHEDULED/PENDING → RUNNING before scheduled_time → WAIT delay_seconds.
 *  8. RetryFailedFlows: RUNNING → FAILED while run_count <= retries → REJECT into SCHEDULED
 *     "AwaitingRetry" at now + retry_delay, retry_type 'in_process'.
 *  otherwise ACCEPT.
 * `force: true` skips the rules. Bookkeeping (run_count, start/end time, total_run_time,
 * next_scheduled_start_time, state_type/name) always applies, as Prefect's global policy does.
 *
 * Deployment concurrency limits: deployment-concurrency.ts. Not modelled: global concurrency limits, pause/resume keys
 * and timeouts, task runs, result persistence, api-version-dependent rule variants.
 */
import { secureDeploymentSlot } from './deployment-concurrency.js';
import { type Store, clone, defaultStateName, emptyStateDetails, iso, uuid } from './store.js';
import { type FlowRun, type State, type StateDetails, type StateType, TERMINAL_STATES } from './types.js';

export interface StateProposal {
  type: StateType;
  name?: string | null;
  message?: string | null;
  data?: unknown;
  state_details?: Partial<StateDetails>;
}

export type OrchestrationDetails =
  | { type: 'accept_details' }
  | { type: 'reject_details'; reason: string | null }
  | { type: 'abort_details'; reason: string | null }
  | { type: 'wait_details'; delay_seconds: number; reason: string | null };

export interface OrchestrationResult {
  status: 'ACCEPT' | 'REJECT' | 'ABORT' | 'WAIT';
  state: State | null;
  details: OrchestrationDetails;
}

export interface Outcome {
  result: OrchestrationResult;
  /** A new state was written (HTTP 201) or not (200). */
  written: boolean;
}

const isTerminal = (t: StateType | null | undefined) => !!t && TERMINAL_STATES.includes(t);

/** Writes `proposal` as the run's new current state, with Prefect's global bookkeeping. */
export function writeState(store: Store, run: FlowRun, proposal: StateProposal): State {
  const now = Date.now();
  const nowIso = iso(now);
  const prev = run.state;
  const details: StateDetails = {
    ...emptyStateDetails(),
    ...(proposal.state_details ?? {}),
    flow_run_id: run.id,
  };
  if (proposal.type === 'SCHEDULED' && !details.scheduled_time) details.scheduled_time = nowIso;
  const state: State = {
    id: uuid(),
    type: proposal.type,
    name: proposal.name ?? defaultStateName(proposal.type),
    timestamp: nowIso,
    message: proposal.message ?? null,
    data: proposal.data ?? null,
    state_details: details,
  };

  // Leaving RUNNING accumulates run time.
  if (prev?.type === 'RUNNING' && state.type !== 'RUNNING') {
    run.total_run_time += (now - Date.parse(prev.timestamp)) / 1000;
  }
  if (state.type === 'SCHEDULED') {
    run.next_scheduled_start_time = details.scheduled_time;
    run.expected_start_time ??= details.scheduled_time;
  }
  if (state.type === 'RUNNING' && prev?.type !== 'RUNNING') {
    run.run_count += 1;
    run.start_time ??= nowIso;
    run.expected_start_time ??= nowIso;
  }
  if (isTerminal(state.type)) run.end_time = nowIso;
  else if (isTerminal(prev?.type)) run.end_time = null;

  run.state = state;
  run.state_id = state.id;
  run.state_type = state.type;
  run.state_name = state.name;
  run.updated = nowIso;
  store.history.get(run.id)?.push(clone(state));
  return state;
}

const accept = (): OrchestrationDetails => ({ type: 'accept_details' });
const reject = (reason: string): OrchestrationDetails => ({ type: 'reject_details', reason });
const abort = (reason: string): OrchestrationDetails => ({ type: 'abort_details', reason });

/** Proposes a state for `run`, answering as Prefect's POST /flow_runs/{id}/set_state does. */
export function proposeState(store: Store, run: FlowRun, proposal: StateProposal, force: boolean): Outcome {
  const current = run.state;
  const from = current?.type ?? null;
  const to = proposal.type;
  const unchanged = (details: OrchestrationDetails, status: 'REJECT'): Outcome => ({
    result: { status, state: current ? clone(current) : null, details },
    written: false,
  });
  const written = (state: State, status: 'ACCEPT' | 'REJECT', details: OrchestrationDetails): Outcome => ({
    result: { status, state: clone(state), details },
    written: true,
  });

  if (force || !current) return written(writeState(store, run, proposal), 'ACCEPT', accept());

  // 1. PreventDuplicateTransitions
  const tid = proposal.state_details?.transition_id;
  if (tid && current.state_details.transition_id === tid) {
    return unchanged(reject('This run has already made this state transition.'), 'REJECT');
  }

  // 2. HandleFlowTerminalStateTransitions
  if (isTerminal(from)) {
    if (to === 'SCHEDULED' && run.deployment_id) {
      // Manual retry from the UI: the run goes back to the pool.
      run.empirical_policy.retry_type = null;
      return written(writeState(store, run, proposal), 'ACCEPT', accept());
    }
    return {
      result: {
        status: 'ABORT',
        state: null,
        details: abort(`This run has already reached a terminal state (${from}).`),
      },
      written: false,
    };
  }

  // 3. EnforceCancellingToCancelledTransition
  if (from === 'CANCELLING' && to !== 'CANCELLED') {
    return unchanged(
      reject('Cannot transition flows that are cancelling to anything other than CANCELLED.'),
      'REJECT',
    );
  }

  // 4. BypassCancellingFlowRunsWithNoInfra
  if ((from === 'SCHEDULED' || from === 'PAUSED') && to === 'CANCELLING' && !run.infrastructure_pid) {
    const cancelled = writeState(store, run, { ...proposal, type: 'CANCELLED', name: 'Cancelled' });
    return written(
      cancelled,
      'REJECT',
      reject('Run does not have associated infrastructure; it was cancelled directly.'),
    );
  }

  // 5. PreventPendingTransitions (the claim lock)
  if (
    to === 'PENDING' &&
    (from === 'PENDING' || from === 'RUNNING' || from === 'CANCELLING' || from === 'CANCELLED')
  ) {
    const renaming =
      from === 'PENDING' && proposal.name && proposal.name !== 'Pending' && proposal.name !== current.name;
    if (!renaming) {
      return {
        result: {
          status: 'ABORT',
          state: null,
          details: abort(`This run is in a ${from} state and cannot transition to a PENDING state.`),
        },
        written: false,
      };
    }
  }

  // SecureFlowConcurrencySlots (deployment concurrency_limit)
  const slot = secureDeploymentSlot(store, run, proposal, (p) => writeState(store, run, p));
  if (slot) return slot;

  // 6. CopyScheduledTime
  let next = proposal;
  if (from === 'SCHEDULED' && to === 'PENDING') {
    next = {
      ...proposal,
      state_details: { ...proposal.state_details, scheduled_time: current.state_details.scheduled_time },
    };
  }

  // 7. WaitForScheduledTime
  if ((from === 'SCHEDULED' || from === 'PENDING') && to === 'RUNNING') {
    const scheduled = current.state_details.scheduled_time;
    const delayMs = scheduled ? Date.parse(scheduled) - Date.now() : 0;
    if (delayMs > 0) {
      return {
        result: {
          status: 'WAIT',
          state: null,
          details: {
            type: 'wait_details',
            delay_seconds: Math.ceil(delayMs / 1000),
            reason: 'The flow is scheduled to start in the future.',
          },
        },
        written: false,
      };
    }
  }

  // 8. RetryFailedFlows
  if (from === 'RUNNING' && to === 'FAILED') {
    const policy = run.empirical_policy;
    const retries = policy.retries ?? policy.max_retries ?? 0;
    if (run.run_count <= retries) {
      const delay = policy.retry_delay ?? policy.retry_delay_seconds ?? 0;
      policy.retry_type = 'in_process';
      const retry = writeState(store, run, {
        type: 'SCHEDULED',
        name: 'AwaitingRetry',
        message: proposal.message ?? null,
        state_details: { scheduled_time: iso(Date.now() + delay * 1000) },
      });
      return written(retry, 'REJECT', reject('Retrying'));
    }
  }

  return written(writeState(store, run, next), 'ACCEPT', accept());
}
