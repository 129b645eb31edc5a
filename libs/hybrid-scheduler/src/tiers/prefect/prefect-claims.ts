import { Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import { sleep } from '../../common/timers.js';
import type { PrefectClient } from './prefect.client.js';
import { RETRY_BACKOFF_MS } from './prefect-connection.js';
import type { PrefectFlowRun } from './prefect.types.js';

/** Names of the workers running in this process (a stopped worker's claims may be recovered by the next). */
const liveWorkers = new Set<string>();
export const markWorkerLive = (name: string, live: boolean): void => {
  if (live) liveWorkers.add(name);
  else liveWorkers.delete(name);
};

/** The message of a claim (PENDING): who holds it, so that the next start on this host can recover it. */
export const claimMessage = (workerName: string): string =>
  `Claimed by worker "${workerName}" on ${hostname()} (pid ${process.pid})`;

const CLAIM = /^Claimed by worker "(.+)" on (\S+) \(pid (\d+)\)$/;

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The claimer named in a PENDING run's message no longer runs: this worker restarted, or it ran here and ended. */
export function claimedByGoneWorker(message: string | null | undefined, workerName: string): string | null {
  const match = CLAIM.exec(message ?? '');
  if (!match) return null;
  const [, name = '', host = '', pidText = ''] = match;
  const pid = Number(pidText);
  if (name === workerName) return name;
  if (host !== hostname()) return null;
  if (pid === process.pid ? !liveWorkers.has(name) : !processRuns(pid)) return name;
  return null;
}

/**
 * Gives claims back to Prefect when this worker cannot go on with them: proposes SCHEDULED again (not forced:
 * Prefect's flow policy accepts PENDING/RUNNING → SCHEDULED, and answers CANCELLING with REJECT), at the run's
 * time, once the server answers. Only a claim that is still this worker's (its own transition id on the current
 * state) is touched: a terminal run must not be rescheduled (Prefect would accept that for a deployment's run).
 */
export class PrefectClaims {
  private readonly logger = new Logger('HybridScheduler:PrefectWorker');

  constructor(
    private readonly client: PrefectClient,
    private readonly workerName: string,
  ) {}

  /** Retries until Prefect answers or `stop` aborts (the run then stays PENDING for the next start to recover). */
  async release(
    run: PrefectFlowRun,
    own: ReadonlySet<string>,
    why: string,
    stop: AbortSignal,
  ): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        const current = await this.client.readFlowRun(run.id, stop);
        const state = current.state;
        if (!state || !own.has(state.state_details?.transition_id ?? '')) return false; // no longer ours
        if (state.type !== 'PENDING' && state.type !== 'RUNNING') return false;
        const scheduled = state.state_details?.scheduled_time ?? run.next_scheduled_start_time;
        const result = await this.client.setState(
          run.id,
          {
            type: 'SCHEDULED',
            name: 'Scheduled',
            message: `Released by ${this.workerName}: ${why}`.slice(0, 2000),
            ...(scheduled ? { state_details: { scheduled_time: scheduled } } : {}),
          },
          false,
          { signal: stop },
        );
        this.logger.warn(`Flow run ${run.id} given back to Prefect (${result.status}): ${why}`);
        return result.status === 'ACCEPT';
      } catch (error) {
        if (stop.aborted) return false;
        const message = error instanceof Error ? error.message : String(error);
        if (attempt === 0)
          this.logger.warn(`Flow run ${run.id}: cannot give the claim back yet (${message}); retrying`);
        if (!(await sleep(RETRY_BACKOFF_MS[Math.min(attempt, RETRY_BACKOFF_MS.length - 1)]!, stop)))
          return false;
      }
    }
  }

  /** At start: PENDING runs of these deployments whose claimer no longer runs go back to SCHEDULED. */
  async recover(deploymentIds: string[], stop: AbortSignal): Promise<number> {
    if (!deploymentIds.length) return 0;
    const pending = await this.client.filterFlowRuns({
      flow_runs: { deployment_id: { any_: deploymentIds }, state: { type: { any_: ['PENDING'] } } },
      limit: 200,
    });
    let recovered = 0;
    for (const run of pending) {
      const gone = claimedByGoneWorker(run.state?.message, this.workerName);
      const tid = run.state?.state_details?.transition_id;
      if (!gone || !tid) continue;
      const why = `recovered at start: claimed by worker "${gone}", which no longer runs`;
      if (await this.release(run, new Set([tid]), why, stop)) recovered++;
    }
    return recovered;
  }
}
