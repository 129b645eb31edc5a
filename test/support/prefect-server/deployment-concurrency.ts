/**
 * Prefect 3.8's SecureFlowConcurrencySlots (core_policy.py; re-implemented): a PENDING proposal from anything
 * but PENDING/RUNNING/CANCELLING, for a run whose deployment has a `concurrency_limit`, needs a free slot.
 * Slots are counted as the deployment's other PENDING/RUNNING/CANCELLING runs: for a client that does not
 * claim lease renewal (any non-Python User-Agent) Prefect revokes the slot's lease at RUNNING and releases the
 * slot when the run leaves PENDING/RUNNING/CANCELLING (ReleaseFlowConcurrencySlots), which is the same count.
 * Full: `collision_strategy` ENQUEUE (the default) → REJECT into SCHEDULED "AwaitingConcurrencySlot" at now +
 * `concurrencySlotWaitSeconds` (Prefect's deployments.concurrency_slot_wait_seconds, 30); CANCEL_NEW → REJECT
 * into CANCELLED "Deployment concurrency limit reached."; a limit of 0 → ABORT.
 */
import type { Outcome, StateProposal } from './orchestration.js';
import type { Store } from './store.js';
import type { FlowRun, State } from './types.js';

export function secureDeploymentSlot(
  store: Store,
  run: FlowRun,
  proposal: StateProposal,
  write: (proposal: StateProposal) => State,
): Outcome | null {
  const from = run.state?.type;
  if (proposal.type !== 'PENDING' || from === 'PENDING' || from === 'RUNNING' || from === 'CANCELLING')
    return null;
  const d = run.deployment_id ? store.deployments.get(run.deployment_id) : undefined;
  if (!d || d.concurrency_limit == null) return null;
  if (d.concurrency_limit === 0)
    return {
      result: {
        status: 'ABORT',
        state: null,
        details: {
          type: 'abort_details',
          reason: 'The deployment concurrency limit is 0. The flow will deadlock if submitted again.',
        },
      },
      written: false,
    };
  const held = store.activeRuns((r) => r.deployment_id === d.id && r.id !== run.id);
  if (held < d.concurrency_limit) return null;
  const strategy = (d.concurrency_options?.['collision_strategy'] as string | undefined) ?? 'ENQUEUE';
  const reason = 'Deployment concurrency limit reached.';
  const state =
    strategy === 'CANCEL_NEW'
      ? write({ type: 'CANCELLED', name: 'Cancelled', message: reason })
      : write({
          type: 'SCHEDULED',
          name: 'AwaitingConcurrencySlot',
          state_details: {
            scheduled_time: new Date(Date.now() + store.concurrencySlotWaitSeconds * 1000).toISOString(),
          },
        });
  return {
    result: { status: 'REJECT', state: structuredClone(state), details: { type: 'reject_details', reason } },
    written: true,
  };
}
