import { describe, expect, it } from '@jest/globals';
import {
  assertOwnTransition,
  PrefectTransitionError,
  settled,
} from '../../libs/hybrid-scheduler/src/tiers/prefect/prefect-transitions.js';

describe('Prefect: the client keeps its own runs in order (the server accepted COMPLETED → RUNNING)', () => {
  it('refuses to leave a terminal state, to start before claiming, and to re-claim a running run', () => {
    expect(() => assertOwnTransition('r', 'COMPLETED', 'RUNNING')).toThrow(PrefectTransitionError);
    expect(() => assertOwnTransition('r', 'FAILED', 'RUNNING')).toThrow(/FAILED → RUNNING for Prefect run r/);
    expect(() => assertOwnTransition('r', null, 'RUNNING')).toThrow(PrefectTransitionError);
    expect(() => assertOwnTransition('r', 'RUNNING', 'PENDING')).toThrow(PrefectTransitionError);
    expect(() => assertOwnTransition('r', 'CANCELLING', 'COMPLETED')).toThrow(PrefectTransitionError);
  });

  it('allows the worker path: claim, start, finish; an in-process retry; giving a claim back', () => {
    for (const [from, to] of [
      [null, 'PENDING'],
      ['PENDING', 'RUNNING'],
      ['RUNNING', 'COMPLETED'],
      ['RUNNING', 'FAILED'],
      ['SCHEDULED', 'RUNNING'],
      ['PENDING', 'SCHEDULED'],
      ['CANCELLING', 'CANCELLED'],
    ] as const) {
      expect(() => assertOwnTransition('r', from, to)).not.toThrow();
    }
  });

  it('a REJECT returning the current state with our own transition id is our retried request: ACCEPT', () => {
    const own = { type: 'RUNNING' as const, state_details: { transition_id: 't1' } };
    const reject = { status: 'REJECT' as const, state: own, details: { type: 'reject_details' } };
    expect(settled(reject, 'RUNNING', 't1').status).toBe('ACCEPT');
    expect(settled(reject, 'RUNNING', 't2').status).toBe('REJECT');
    expect(settled({ ...reject, state: { ...own, type: 'CANCELLING' } }, 'RUNNING', 't1').status).toBe(
      'REJECT',
    );
  });
});
