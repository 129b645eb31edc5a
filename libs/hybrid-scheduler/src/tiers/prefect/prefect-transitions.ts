import { HybridSchedulerError } from '../../errors/index.js';
import type { OrchestrationResult, StateType } from './prefect.types.js';

/**
 * The transitions this library proposes for a run it drives (flow runs now, task runs when they arrive), from
 * the last state Prefect confirmed to it. Prefect does not enforce all of them: a real 3.8.3 server accepted a
 * non-forced COMPLETED → RUNNING on a task run, so the client keeps its own runs in order. `null` is a run it
 * has not proposed anything for yet.
 */
const OWN_TRANSITIONS: Record<StateType | 'NONE', readonly StateType[]> = {
  NONE: ['PENDING', 'CANCELLED'],
  SCHEDULED: ['PENDING', 'RUNNING', 'CANCELLED', 'CRASHED'], // RUNNING: an in-process retry (AwaitingRetry)
  PENDING: ['RUNNING', 'SCHEDULED', 'CANCELLED', 'CRASHED'], // SCHEDULED: a claim given back
  RUNNING: ['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED', 'SCHEDULED'],
  CANCELLING: ['CANCELLED'],
  PAUSED: ['CANCELLED', 'CRASHED'],
  COMPLETED: [],
  FAILED: [],
  CANCELLED: [],
  CRASHED: [],
};

/** The library was about to propose a transition out of order for a run it drives (a bug in the library). */
export class PrefectTransitionError extends HybridSchedulerError {
  constructor(runId: string, from: StateType | null, to: StateType) {
    super(`Refusing to propose ${from ?? '(nothing yet)'} → ${to} for Prefect run ${runId}: out of order`);
  }
}

export function assertOwnTransition(runId: string, from: StateType | null, to: StateType): void {
  if (!OWN_TRANSITIONS[from ?? 'NONE'].includes(to)) throw new PrefectTransitionError(runId, from, to);
}

/**
 * The state the run is in after Prefect answered a proposal, as this client must see it: a REJECT that returns
 * the current state carrying our own transition id is Prefect's answer to a retried request it had already
 * applied (PreventDuplicateTransitions), so it counts as ACCEPT.
 */
export function settled(
  result: OrchestrationResult,
  proposed: StateType,
  transitionId: string,
): OrchestrationResult {
  const own = result.state?.state_details?.transition_id === transitionId && result.state?.type === proposed;
  return result.status === 'REJECT' && own ? { ...result, status: 'ACCEPT' } : result;
}
