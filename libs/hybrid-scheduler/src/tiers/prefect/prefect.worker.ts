import { Logger } from '@nestjs/common';
import { TaskCancelledError } from '../../errors/index.js';
import type { PrefectClient } from './prefect.client.js';
import type { ActiveRun, DeploymentEntry, PrefectRunExecutor } from './prefect-run.executor.js';
import { emptyResults, type RunResult } from './prefect-worker.types.js';
import { PrefectConnection } from './prefect-connection.js';
import { abortCancelled } from './prefect-cancellations.js';
import { PrefectRunPoller } from './prefect-run.poller.js';
import type { PrefectLateRuns } from './prefect-late-runs.js';
import type { PrefectFlowRun } from './prefect.types.js';
import { markWorkerLive } from './prefect-claims.js';
import { settleWithin } from '../../common/settle-within.js';
import { isWorkPoolMissing } from './prefect.errors.js';

/** What the worker serves: the queues to poll and the deployments whose stale claims it recovers at start. */
export interface ServedDeployments {
  queues(): string[];
  deploymentIds(): string[];
  /** Prefect answered a poll or heartbeat with 404 for the work pool: put the pool and deployments back. */
  workPoolMissing?(why: string): void;
}

export interface PrefectWorkerOptions {
  workPool: string;
  workQueues?: string[];
  workerName: string;
  pollIntervalMs: number;
  prefetchMs: number;
  heartbeatIntervalMs: number;
  concurrency: number;
}

/**
 * The app as a Prefect worker: heartbeats the pool, polls `get_scheduled_flow_runs` with a prefetch window for
 * runs of deployments it serves, hands each to the executor (up to `concurrency` at once), and watches its
 * in-flight runs for CANCELLING. On shutdown it stops claiming, gives back claimed runs that have not started,
 * waits for the running ones, and crashes whatever is left when the timeout is over.
 */
export class PrefectWorker {
  private readonly logger = new Logger('HybridScheduler:PrefectWorker');
  private readonly active = new Map<string, { run: ActiveRun; done: Promise<RunResult> }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private claiming = false;
  private polling = false;
  /** The last poll filled every free slot: more runs are probably due, so poll again as soon as one frees. */
  private backlog = false;
  private watching = false;
  private readonly poller: PrefectRunPoller;
  private served: ServedDeployments = {
    queues: () => this.options.workQueues ?? [],
    deploymentIds: () => [],
  };
  /** Aborts what the worker does in the background (recovery) when it shuts down. */
  private readonly stopping = new AbortController();
  lastPollAt: Date | null = null;
  lastHeartbeatAt: Date | null = null;
  readonly results = emptyResults();
  /** Outages, 401s and the fail-fast check of facade calls, from what these loops see. */
  readonly connection: PrefectConnection;

  constructor(
    private readonly client: PrefectClient,
    private readonly executor: PrefectRunExecutor,
    private readonly options: PrefectWorkerOptions,
    private readonly deploymentOf: (deploymentId: string) => DeploymentEntry | undefined,
    /** `catchUp` of late schedule ticks (none: every polled run is run). */
    private readonly lateRuns?: PrefectLateRuns,
  ) {
    this.connection = new PrefectConnection(client);
    this.poller = new PrefectRunPoller(
      client,
      options.workPool,
      (run) => !!run.deployment_id && !!deploymentOf(run.deployment_id),
    );
  }

  get running(): number {
    return this.active.size;
  }

  /**
   * Sends the first heartbeat (so a wrong pool or credentials fail the start), gives back claims a previous
   * worker of this host left PENDING, then starts the loops.
   */
  async start(served?: ServedDeployments): Promise<void> {
    if (served) this.served = served;
    await this.heartbeat();
    markWorkerLive(this.options.workerName, true);
    await this.recover();
    this.claiming = true;
    this.watching = true;
    const { heartbeatIntervalMs, pollIntervalMs } = this.options;
    this.loop(
      'heartbeat',
      () => this.heartbeat(),
      heartbeatIntervalMs,
      () => this.claiming,
      false,
    );
    this.loop(
      'poll',
      () => this.poll(),
      pollIntervalMs,
      () => this.claiming,
      true,
    );
    this.loop(
      'cancellation watch',
      () => this.watchCancellations(),
      pollIntervalMs,
      () => this.watching,
      false,
    );
    this.logger.log(
      `Worker "${this.options.workerName}" polling work pool "${this.options.workPool}" every ${this.options.pollIntervalMs}ms ` +
        `(prefetch ${this.options.prefetchMs}ms, concurrency ${this.options.concurrency})`,
    );
  }

  /** Stops polling and gives back runs that were claimed (prefetched) but have not started. */
  stopClaiming(): void {
    this.claiming = false;
    for (const { run } of this.active.values()) {
      if (run.phase === 'claiming' || run.phase === 'waiting') run.release.abort();
    }
  }

  /**
   * Waits for running flows, then aborts them (their runs end CRASHED), all within `timeoutMs` even when Prefect
   * does not answer: the last quarter (at most 2 s) is kept for the final reports; runs whose report did not
   * get through are left as Prefect last saw them (PENDING: recovered by this host's next start; RUNNING: until
   * the run is cancelled or marked crashed) and named in a warning.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    this.stopClaiming();
    const reserve = Math.min(2_000, Math.floor(timeoutMs / 4));
    const all = () =>
      settleWithin(
        [...this.active.values()].map((a) => a.done),
        reserve,
      );
    if (this.active.size) {
      // Claimed runs that had not started are being given back (stopClaiming): only the others are waited for.
      const running = [...this.active.values()].filter(
        ({ run }) => run.phase === 'running' || run.phase === 'finishing',
      ).length;
      if (running) this.logger.log(`Waiting up to ${timeoutMs}ms for ${running} running flow run(s)`);
      const drained = await settleWithin(
        [...this.active.values()].map((a) => a.done),
        timeoutMs - reserve,
      );
      if (!drained) {
        const ids = [...this.active.keys()];
        this.logger.warn(
          `Shutdown timeout (${timeoutMs}ms) reached; marking flow run(s) CRASHED: ${ids.join(', ')}`,
        );
        for (const { run } of this.active.values()) {
          run.abortKind = 'shutdown';
          run.controller.abort(
            new TaskCancelledError(`Flow run ${run.flowRunId} abandoned: the application is shutting down`),
          );
        }
        if (!(await all()))
          this.logger.warn(
            `Prefect did not take the final state of flow run(s) ${[...this.active.keys()].join(', ')} in time; left as Prefect last saw them`,
          );
      }
    }
    this.watching = false;
    this.stopping.abort();
    markWorkerLive(this.options.workerName, false);
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private loop(
    source: string,
    /** Resolves false when it did not talk to Prefect (nothing to do): that says nothing about an outage. */
    tick: () => Promise<boolean | void>,
    everyMs: number,
    alive: () => boolean,
    immediately: boolean,
  ): void {
    const next = (ms: number) => {
      const timer = setTimeout(async () => {
        this.timers.delete(timer);
        if (!alive()) return;
        await tick().then(
          (contacted) => contacted !== false && this.connection.answered(source),
          (error) => {
            // A request that outlived the worker's stop (shutdown, the app closing) says nothing worth logging.
            if (!alive()) return;
            this.connection.failed(source, error);
            if (isWorkPoolMissing(error))
              this.served.workPoolMissing?.(`the worker's ${source} answered 404`);
          },
        );
        if (alive()) next(everyMs);
      }, ms);
      this.timers.add(timer);
    };
    next(immediately ? 0 : everyMs);
  }

  private async recover(): Promise<void> {
    try {
      const recovered = await this.executor.claims.recover(this.served.deploymentIds(), this.stopping.signal);
      if (recovered)
        this.logger.warn(`Gave back ${recovered} flow run(s) left PENDING by a worker that no longer runs`);
    } catch (error) {
      this.connection.failed('recovery', error, true);
    }
  }

  private async heartbeat(): Promise<void> {
    const seconds = Math.max(1, Math.round(this.options.heartbeatIntervalMs / 1000));
    await this.client.heartbeat(this.options.workPool, this.options.workerName, seconds);
    this.lastHeartbeatAt = new Date();
  }

  private async poll(): Promise<boolean> {
    const free = this.options.concurrency - this.active.size;
    if (free <= 0 || this.polling) return false;
    this.polling = true;
    let runs;
    try {
      const before = new Date(Date.now() + this.options.prefetchMs);
      runs = await this.poller.due(free, before, this.served.queues());
    } finally {
      this.polling = false;
    }
    this.lastPollAt = new Date();
    this.backlog = runs.length >= free;
    const entryOf = (run: PrefectFlowRun) =>
      run.deployment_id ? this.deploymentOf(run.deployment_id) : undefined;
    if (this.lateRuns) runs = await this.lateRuns.sort(runs, entryOf);
    for (const run of runs) {
      if (!this.claiming || this.active.size >= this.options.concurrency) break;
      const entry = run.deployment_id ? this.deploymentOf(run.deployment_id) : undefined;
      if (!entry || this.active.has(run.id)) continue; // removed meanwhile, or already being handled
      const active: ActiveRun = {
        flowRunId: run.id,
        phase: 'claiming',
        controller: new AbortController(),
        release: new AbortController(),
        known: null,
        own: new Set(),
      };
      const execution = this.executor.coveredByFallback(run, entry)
        ? this.executor.skip(run)
        : this.executor.execute(run, entry, active);
      const done = execution
        .catch(() => 'error' as const)
        .then((result) => {
          this.results[result]++;
          return result;
        });
      this.active.set(run.id, { run: active, done });
      void done.finally(() => {
        this.active.delete(run.id);
        if (this.backlog && this.claiming)
          void this.poll().catch((error) => this.connection.failed('poll', error));
      });
    }
    return true;
  }

  /** Aborts the method of runs someone moved to CANCELLING (UI, CLI, automation). */
  private watchCancellations(): Promise<boolean> {
    return abortCancelled(
      this.client,
      [...this.active.values()].map((a) => a.run),
      this.logger,
    );
  }
}
