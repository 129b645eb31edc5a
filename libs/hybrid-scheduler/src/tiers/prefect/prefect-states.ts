import type { PrefectClient } from './prefect.client.js';
import type { OrchestrationResult, StateCreate } from './prefect.types.js';

/** Prefect answered a proposal by moving (or keeping) the run in CANCELLING/CANCELLED: finish the cancellation. */
export const isCancelling = (result: OrchestrationResult): boolean =>
  result.status !== 'ACCEPT' && (result.state?.type === 'CANCELLING' || result.state?.type === 'CANCELLED');

/** The forced states a worker writes to end or give back a run, each with a message saying who and why. */
export class PrefectStates {
  constructor(
    private readonly client: PrefectClient,
    private readonly workerName: string,
  ) {}

  async cancelled(flowRunId: string, reason?: string): Promise<'cancelled'> {
    const state: StateCreate = {
      type: 'CANCELLED',
      name: 'Cancelled',
      message: reason ?? `Cancelled; acknowledged by ${this.workerName}`,
    };
    await this.client.setState(flowRunId, state, true);
    return 'cancelled';
  }

  async crashed(flowRunId: string): Promise<'crashed'> {
    const message = `Worker ${this.workerName} shut down before the run finished`;
    await this.client.setState(flowRunId, { type: 'CRASHED', name: 'Crashed', message }, true);
    return 'crashed';
  }

  /** Ends such a tick CANCELLED (forced), saying why, instead of running it a second time. */
  async skipped(flowRunId: string): Promise<'skipped'> {
    const message = 'Skipped: this tick ran on the fallback tier while Prefect was unreachable';
    await this.client.setState(flowRunId, { type: 'CANCELLED', name: 'Cancelled', message }, true);
    return 'skipped';
  }
}
