import { Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import { TaskTimeoutError } from '../../errors/index.js';
import type { FlowRunContext, TaskContext, TaskDefinition } from '../../interfaces/index.js';
import type { JobRegistry } from '../../registry/job.registry.js';
import type { TaskRunner } from '../../runner/task.runner.js';
import type { PrefectClient } from './prefect.client.js';
import type { PrefectLogShipper } from './prefect-log.shipper.js';
import type { OrchestrationResult, PrefectFlowRun, StateCreate } from './prefect.types.js';

/** A deployment this process can execute. */
export interface DeploymentEntry {
  task: TaskDefinition;
  jobId: string;
  deploymentId: string;
  flowName: string;
  deploymentName: string;
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
}

export type RunResult = 'skipped' | 'completed' | 'failed' | 'cancelled' | 'crashed' | 'not-claimed' | 'released' | 'aborted' | 'error';

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
const wait = (ms: number, signal: AbortSignal): Promise<boolean> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, Math.max(0, ms));
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

const summary = (error: Error | undefined): string => (error ? `${error.name}: ${error.message}`.slice(0, 2000) : 'failed');

/**
 * Drives one flow run through Prefect's orchestration, as the Python flow engine does: claim (PENDING; anything
 * but ACCEPT means another worker has it), RUNNING (honouring WAIT until the scheduled time), the method through
 * the TaskRunner, then COMPLETED or FAILED. A FAILED rejected into AwaitingRetry runs again here after the delay
 * (the poll never returns in-process retries). Cancellation ends CANCELLED, an abandoned run CRASHED (both forced).
 */
export class PrefectRunExecutor {
  private readonly logger = new Logger('HybridScheduler:PrefectWorker');

  constructor(
    private readonly client: PrefectClient,
    private readonly runner: TaskRunner,
    private readonly registry: JobRegistry,
    private readonly shipper: PrefectLogShipper,
    private readonly workerName: string,
  ) {}

  async execute(run: PrefectFlowRun, entry: DeploymentEntry, active: ActiveRun): Promise<RunResult> {
    try {
      return await this.drive(run, entry, active);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error(`Flow run ${run.id} (${entry.task.name}) could not be reported to Prefect: ${message}`);
      if (active.phase === 'running' || active.phase === 'finishing') {
        await this.client.setState(run.id, { type: 'CRASHED', name: 'Crashed', message: `Worker error: ${message}` }, true).catch(() => undefined);
      }
      return 'error';
    }
  }

  /** Whether a run is a schedule tick that the fallback tier already covered during an outage. */
  coveredByFallback(run: PrefectFlowRun, entry: DeploymentEntry): boolean {
    const due = Date.parse(run.next_scheduled_start_time ?? run.expected_start_time ?? '');
    return !!entry.skipScheduledBefore && run.auto_scheduled === true && due < entry.skipScheduledBefore.getTime();
  }

  /** Ends such a tick CANCELLED (forced), saying why, instead of running it a second time. */
  async skip(run: PrefectFlowRun): Promise<RunResult> {
    const message = 'Skipped: this tick ran on the fallback tier while Prefect was unreachable';
    await this.client.setState(run.id, { type: 'CANCELLED', name: 'Cancelled', message }, true);
    return 'skipped';
  }

  private async drive(run: PrefectFlowRun, entry: DeploymentEntry, active: ActiveRun): Promise<RunResult> {
    const claim = await this.client.setState(run.id, { type: 'PENDING', name: 'Pending' });
    if (claim.status !== 'ACCEPT') return 'not-claimed';
    const options = entry.task.prefect!;
    if (options.retries) {
      await this.client.updateFlowRun(run.id, {
        infrastructure_pid: `${hostname()}:${process.pid}:${this.workerName}`,
        empirical_policy: { retries: options.retries, retry_delay: options.retryDelaySeconds ?? 0 },
      });
    }
    const scheduledAt = new Date(run.next_scheduled_start_time ?? run.expected_start_time ?? Date.now());
    let startAt = scheduledAt;
    let attempt = run.run_count + 1;
    for (;;) {
      active.phase = 'waiting';
      // Before the first start a shutdown gives the run back; a retry waits for the drain (or crashes).
      const releasable = startAt === scheduledAt;
      const beforeStart = releasable ? AbortSignal.any([active.controller.signal, active.release.signal]) : active.controller.signal;
      await wait(startAt.getTime() - Date.now(), beforeStart);
      const started = await this.proposeRunning(run.id, active, beforeStart, releasable);
      if (started !== 'running') return started === 'release' ? this.release(run.id, scheduledAt) : started;

      active.phase = 'running';
      const outcome = await this.runner.run<FlowRunContext>({
        jobId: entry.jobId,
        tier: 'prefect',
        name: entry.task.name,
        runId: run.id,
        attempt,
        scheduledAt,
        timeoutMs: options.timeoutMs,
        signal: active.controller.signal,
        logger: this.shipper.loggerFor(run.id, entry.jobId),
        extendContext: (base: TaskContext) => ({
          ...base,
          flowRunId: run.id,
          flowRunName: run.name,
          deploymentId: entry.deploymentId,
          deploymentName: entry.deploymentName,
          flowName: entry.flowName,
          parameters: { ...(options.parameters ?? {}), ...run.parameters },
        }),
        invoke: (ctx) => entry.task.handler(ctx.parameters, ctx),
      });
      active.phase = 'finishing';
      if (outcome.status === 'failed') this.shipper.add(run.id, 40, `Flow run failed: ${outcome.error?.stack ?? summary(outcome.error)}`);
      await this.shipper.flush();

      if (outcome.status === 'cancelled') {
        return active.abortKind === 'shutdown' ? this.crashed(run.id) : this.cancelled(run.id, outcome.error?.message);
      }
      if (outcome.status === 'succeeded') {
        const done = await this.client.setState(run.id, { type: 'COMPLETED', name: 'Completed', message: `Completed by ${this.workerName}` });
        return this.isCancelling(done) ? this.cancelled(run.id) : 'completed';
      }
      const timedOut = outcome.error instanceof TaskTimeoutError;
      const failed = await this.client.setState(run.id, { type: 'FAILED', name: timedOut ? 'TimedOut' : 'Failed', message: summary(outcome.error) });
      if (this.isCancelling(failed)) return this.cancelled(run.id);
      if (failed.status === 'REJECT' && failed.state?.type === 'SCHEDULED') {
        const retryAt = new Date(failed.state.state_details?.scheduled_time ?? Date.now());
        this.registry.emit({ type: 'retrying', jobId: entry.jobId, tier: 'prefect', name: entry.task.name, runId: run.id, attempt, scheduledAt: retryAt, error: outcome.error });
        this.logger.warn(`Flow run ${run.id} (${entry.task.name}) failed on attempt ${attempt}; Prefect retries it at ${retryAt.toISOString()}`);
        attempt++;
        startAt = retryAt;
        continue;
      }
      return 'failed';
    }
  }

  /** RUNNING, honouring WAIT (`delay_seconds`). REJECT into CANCELLING/CANCELLED finishes the cancellation. */
  private async proposeRunning(
    flowRunId: string,
    active: ActiveRun,
    signal: AbortSignal,
    releasable: boolean,
  ): Promise<'running' | 'release' | RunResult> {
    for (;;) {
      if (releasable && active.release.signal.aborted) return 'release';
      if (active.controller.signal.aborted) return active.abortKind === 'shutdown' ? this.crashed(flowRunId) : this.cancelled(flowRunId);
      const result = await this.client.setState(flowRunId, { type: 'RUNNING', name: 'Running' });
      if (result.status === 'ACCEPT') return 'running';
      if (result.status === 'WAIT') {
        await wait(Math.max(50, (result.details.delay_seconds ?? 0) * 1000), signal);
        continue;
      }
      if (this.isCancelling(result)) return this.cancelled(flowRunId);
      this.logger.warn(`Flow run ${flowRunId}: Prefect answered ${result.status} to RUNNING (${result.details.reason ?? 'no reason'}); not running it`);
      return 'aborted';
    }
  }

  private isCancelling(result: OrchestrationResult): boolean {
    return result.status !== 'ACCEPT' && (result.state?.type === 'CANCELLING' || result.state?.type === 'CANCELLED');
  }

  private async cancelled(flowRunId: string, reason?: string): Promise<'cancelled'> {
    const state: StateCreate = { type: 'CANCELLED', name: 'Cancelled', message: reason ?? `Cancelled; acknowledged by ${this.workerName}` };
    await this.client.setState(flowRunId, state, true);
    return 'cancelled';
  }

  private async crashed(flowRunId: string): Promise<'crashed'> {
    const message = `Worker ${this.workerName} shut down before the run finished`;
    await this.client.setState(flowRunId, { type: 'CRASHED', name: 'Crashed', message }, true);
    return 'crashed';
  }

  /** Gives a claimed but not started run back, due at its time, for another worker (on shutdown). */
  private async release(flowRunId: string, scheduledAt: Date): Promise<'released'> {
    await this.client.setState(
      flowRunId,
      { type: 'SCHEDULED', name: 'Scheduled', message: `Released by ${this.workerName} (shutting down)`, state_details: { scheduled_time: scheduledAt.toISOString() } },
      true,
    );
    return 'released';
  }
}
