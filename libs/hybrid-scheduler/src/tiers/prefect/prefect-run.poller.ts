import { Logger } from '@nestjs/common';
import type { PrefectClient } from './prefect.client.js';
import type { PrefectFlowRun } from './prefect.types.js';

/** Prefect refuses a `limit` over PREFECT_SERVER_API_DEFAULT_LIMIT (200) with 422. */
export const MAX_POLL_LIMIT = 200;
/** Pages per queue and poll when more than MAX_POLL_LIMIT runs this worker cannot serve are due ahead of its own. */
const MAX_PAGES = 5;

/**
 * The worker's poll: due runs of the deployments this process serves, from the queues they are in.
 *
 * `get_scheduled_flow_runs` of a work pool filters by queue only (its body has no deployment filter), ordered by
 * queue priority then time. Runs of deployments nobody here serves (another app sharing the queue is down, a
 * deployment was removed and left runs behind) would sit at the head of every answer: the poller asks for as many
 * more runs as it skipped last time (on finding a new clog, for 200 at once), and past 200 pages each queue by
 * time (`scheduled_after`).
 * Each skipped deployment is logged once, with its count.
 */
export class PrefectRunPoller {
  private readonly logger = new Logger('HybridScheduler:PrefectWorker');
  /** How many runs this worker could not serve were ahead of its own in the last poll. */
  private unservedAhead = 0;
  private readonly reported = new Set<string>();

  constructor(
    private readonly client: PrefectClient,
    private readonly workPool: string,
    private readonly serves: (run: PrefectFlowRun) => boolean,
  ) {}

  /** At most `want` due runs this worker serves (scheduled before `before`), in Prefect's order. */
  async due(want: number, before: Date, queues: string[]): Promise<PrefectFlowRun[]> {
    if (!queues.length || want <= 0) return [];
    let limit = Math.min(MAX_POLL_LIMIT, want + this.unservedAhead);
    let page = await this.fetch(before, limit, queues);
    let mine = page.filter(this.serves);
    if (mine.length < want && page.length === limit && limit < MAX_POLL_LIMIT) {
      // The head of the queue is runs of other deployments: ask once more, for as many as Prefect gives.
      limit = MAX_POLL_LIMIT;
      page = await this.fetch(before, limit, queues);
      mine = page.filter(this.serves);
    }
    const unserved = page.filter((run) => !this.serves(run));
    this.unservedAhead = unserved.length;
    this.report(unserved);
    if (mine.length < want && page.length === MAX_POLL_LIMIT)
      mine = await this.pageByTime(want, before, queues);
    return mine.slice(0, want);
  }

  private async fetch(
    before: Date,
    limit: number,
    queues: string[],
    after?: string,
  ): Promise<PrefectFlowRun[]> {
    const answer = await this.client.scheduledFlowRuns(this.workPool, before, limit, queues, after);
    return answer.map((r) => r.flow_run);
  }

  /** More than a full answer of runs this worker cannot serve: each queue on its own, page after page by time. */
  private async pageByTime(want: number, before: Date, queues: string[]): Promise<PrefectFlowRun[]> {
    const mine = new Map<string, PrefectFlowRun>();
    for (const queue of queues) {
      let after: string | undefined;
      for (let page = 0; page < MAX_PAGES && mine.size < want; page++) {
        const runs = await this.fetch(before, MAX_POLL_LIMIT, [queue], after);
        for (const run of runs) if (this.serves(run)) mine.set(run.id, run);
        const last = runs.at(-1)?.next_scheduled_start_time ?? undefined;
        if (runs.length < MAX_POLL_LIMIT || !last || last === after) break;
        after = last; // inclusive: runs at exactly this time come again and are deduplicated
      }
    }
    return [...mine.values()].sort(
      (a, b) => Date.parse(a.next_scheduled_start_time ?? '') - Date.parse(b.next_scheduled_start_time ?? ''),
    );
  }

  private report(unserved: PrefectFlowRun[]): void {
    const counts = new Map<string, PrefectFlowRun[]>();
    for (const run of unserved) {
      const key = run.deployment_id ?? '(none)';
      counts.set(key, [...(counts.get(key) ?? []), run]);
    }
    for (const [deploymentId, runs] of counts) {
      if (this.reported.has(deploymentId)) continue;
      this.reported.add(deploymentId);
      this.logger.warn(
        `Work pool "${this.workPool}" queue "${runs[0]!.work_queue_name ?? '?'}" holds ${runs.length} due flow run(s) ` +
          `of deployment ${deploymentId}, which this app does not serve; they are left for a worker that serves it ` +
          `(see "Sharing a work pool" in docs/prefect.md)`,
      );
    }
  }
}
