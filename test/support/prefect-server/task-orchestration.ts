/**
 * Task-run orchestration as in Prefect 3.8's CoreTaskPolicy (src/prefect/server/orchestration/core_policy.py,
 * re-implemented, no Prefect code copied), the rules that `POST /task_runs/{id}/set_state` applies, in order:
 *
 *  1. HandleTaskTerminalStateTransitions: from COMPLETED/FAILED/CANCELLED/CRASHED, CANCELLING/PAUSED/CRASHED
 *     → ABORT. (Leaving a COMPLETED state with a persisted result is REJECTed; nothing here persists results,
 *     so e.g. COMPLETED → RUNNING is ACCEPTED, as a real 3.8.3 server did.)
 *  2. PreventRunningTasksFromStoppedFlows: RUNNING while the flow run has no state or is not RUNNING → ABORT
 *     (PAUSED → REJECT into Paused "NotReady").
 *  3. CopyScheduledTime: SCHEDULED → PENDING keeps the scheduled_time.
 *  4. WaitForScheduledTime: SCHEDULED/PENDING → RUNNING before scheduled_time → WAIT.
 *  5. RetryFailedTasks: RUNNING → FAILED while retries is set and run_count <= retries (and the proposal is
 *     not `retriable: false`) → REJECT into SCHEDULED "AwaitingRetry" at now + retry_delay (a list is indexed
 *     by run_count - 1).
 *  6. RenameReruns: RUNNING with run_count > 0 is renamed "Retrying" (from AwaitingRetry) or "Rerunning".
 * Unlike the flow policy there is no PreventDuplicateTransitions: a repeated proposal is applied again.
 * `force: true` skips the rules. Bookkeeping as the global policy: run_count + 1 on every RUNNING, start_time
 * on the first, end_time on terminal states, expected_start_time from the first state.
 * Not modelled: caching (CacheRetrieval/CacheInsertion), tag concurrency limits.
 */
import type { OrchestrationDetails, Outcome, StateProposal } from './orchestration.js';
import { type Store, clone, defaultStateName, emptyStateDetails, iso, uuid } from './store.js';
import { type State, type StateDetails, type TaskRun, TERMINAL_STATES } from './types.js';

const isTerminal = (t: string | null | undefined) => !!t && (TERMINAL_STATES as string[]).includes(t);

export function writeTaskState(store: Store, run: TaskRun, proposal: StateProposal): State {
  const now = Date.now();
  const prev = run.state;
  const details: StateDetails = {
    ...emptyStateDetails(),
    ...(proposal.state_details ?? {}),
    flow_run_id: run.flow_run_id,
    task_run_id: run.id,
  };
  if (proposal.type === 'SCHEDULED' && !details.scheduled_time) details.scheduled_time = iso(now);
  const state: State = {
    id: uuid(),
    type: proposal.type,
    name: proposal.name ?? defaultStateName(proposal.type),
    timestamp: iso(now),
    message: proposal.message ?? null,
    data: proposal.data ?? null,
    state_details: details,
  };
  if (prev?.type === 'RUNNING' && state.type !== 'RUNNING')
    run.total_run_time += (now - Date.parse(prev.timestamp)) / 1000;
  run.expected_start_time ??= state.type === 'SCHEDULED' ? details.scheduled_time : state.timestamp;
  if (state.type === 'SCHEDULED') run.next_scheduled_start_time = details.scheduled_time;
  if (state.type === 'RUNNING') {
    run.run_count += 1;
    run.start_time ??= state.timestamp;
    const flowRun = run.flow_run_id ? store.flowRuns.get(run.flow_run_id) : undefined;
    if (flowRun) run.flow_run_run_count = flowRun.run_count;
  }
  if (isTerminal(state.type)) run.end_time = state.timestamp;
  else if (isTerminal(prev?.type)) run.end_time = null;
  run.state = state;
  run.state_id = state.id;
  run.state_type = state.type;
  run.state_name = state.name;
  run.updated = state.timestamp;
  store.taskHistory.get(run.id)?.push(clone(state));
  return state;
}

/** Answers a proposal for a task run as `POST /task_runs/{id}/set_state` does. */
export function proposeTaskState(
  store: Store,
  run: TaskRun,
  proposal: StateProposal,
  force: boolean,
): Outcome {
  const current = run.state;
  const from = current?.type ?? null;
  const to = proposal.type;
  const stop = (status: 'ABORT', reason: string): Outcome => ({
    result: { status, state: null, details: { type: 'abort_details', reason } },
    written: false,
  });
  const written = (state: State, status: 'ACCEPT' | 'REJECT', details: OrchestrationDetails): Outcome => ({
    result: { status, state: clone(state), details },
    written: true,
  });
  const accept: OrchestrationDetails = { type: 'accept_details' };
  if (force || !current) return written(writeTaskState(store, run, proposal), 'ACCEPT', accept);

  // 1. HandleTaskTerminalStateTransitions
  if (isTerminal(from) && (to === 'CANCELLING' || to === 'PAUSED' || to === 'CRASHED'))
    return stop('ABORT', `Run is already ${from}.`);

  // 2. PreventRunningTasksFromStoppedFlows
  if (to === 'RUNNING' && run.flow_run_id) {
    const flowRun = store.flowRuns.get(run.flow_run_id);
    if (flowRun && flowRun.state?.type === 'PAUSED') {
      const paused = writeTaskState(store, run, { type: 'PAUSED', name: 'NotReady' });
      return written(paused, 'REJECT', {
        type: 'reject_details',
        reason: `The flow is paused, new tasks can execute after resuming flow run: ${flowRun.id}.`,
      });
    }
    if (flowRun && flowRun.state?.type !== 'RUNNING')
      return stop('ABORT', 'The enclosing flow must be running to begin task execution.');
  }

  // 3. CopyScheduledTime
  let next = proposal;
  if (from === 'SCHEDULED' && to === 'PENDING')
    next = {
      ...proposal,
      state_details: { ...proposal.state_details, scheduled_time: current.state_details.scheduled_time },
    };

  // 4. WaitForScheduledTime
  if ((from === 'SCHEDULED' || from === 'PENDING') && to === 'RUNNING') {
    const scheduled = current.state_details.scheduled_time;
    const delayMs = scheduled ? Date.parse(scheduled) - Date.now() : 0;
    if (delayMs > 0)
      return {
        result: {
          status: 'WAIT',
          state: null,
          details: {
            type: 'wait_details',
            delay_seconds: Math.ceil(delayMs / 1000),
            reason: 'The task is scheduled to start in the future.',
          },
        },
        written: false,
      };
  }

  // 5. RetryFailedTasks
  if (from === 'RUNNING' && to === 'FAILED' && proposal.state_details?.retriable !== false) {
    const { retries, retry_delay } = run.empirical_policy;
    if (retries != null && run.run_count <= retries) {
      const delay = Array.isArray(retry_delay)
        ? (retry_delay[Math.min(run.run_count - 1, retry_delay.length - 1)] ?? 0)
        : (retry_delay ?? 0);
      const retry = writeTaskState(store, run, {
        type: 'SCHEDULED',
        name: 'AwaitingRetry',
        message: proposal.message ?? null,
        state_details: { scheduled_time: iso(Date.now() + delay * 1000) },
      });
      return written(retry, 'REJECT', { type: 'reject_details', reason: 'Retrying' });
    }
  }

  // 6. RenameReruns
  if (to === 'RUNNING' && run.run_count > 0)
    next = { ...next, name: current.name === 'AwaitingRetry' ? 'Retrying' : 'Rerunning' };

  return written(writeTaskState(store, run, next), 'ACCEPT', accept);
}
