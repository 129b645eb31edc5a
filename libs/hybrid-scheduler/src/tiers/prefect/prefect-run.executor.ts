import { Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { sleep } from '../../common/timers.js';
import { TaskTimeoutError } from '../../errors/index.js';
import type { FlowRunContext, TaskContext } from '../../interfaces/index.js';
import type { JobRegistry } from '../../registry/job.registry.js';
import type { TaskRunner } from '../../runner/task.runner.js';
import type { PrefectClient } from './prefect.client.js';
import type { PrefectLogShipper } from './prefect-log.shipper.js';
import type { OrchestrationResult, PrefectFlowRun, StateCreate } from './prefect.types.js';
import { claimMessage, PrefectClaims } from './prefect-claims.js';
import { untilAnswered } from './prefect-connection.js';
import { FlowSteps } from '../../runner/flow-steps.js';
import { PrefectTaskRunReporter } from './prefect-task-runs.js';
import { PrefectSubflows } from './prefect-subflows.js';
import { assertOwnTransition, settled } from './prefect-transitions.js';
import type { ActiveRun, DeploymentEntry, RunResult } from './prefect-worker.types.js';

export type { ActiveRun, DeploymentEntry, RunResult };
import { isCancelling, PrefectStates } from './prefect-states.js';

const summary = (error: Error | undefined): string =>
  error ? `${error.name}: ${error.message}`.slice(0, 2000) : 'failed';

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
  ) {
    this.states = new PrefectStates(client, workerName);
    this.claims = new PrefectClaims(client, workerName);
  }

  private readonly states: PrefectStates;
  readonly claims: PrefectClaims;

  async execute(run: PrefectFlowRun, entry: DeploymentEntry, active: ActiveRun): Promise<RunResult> {
    try {
      return await this.drive(run, entry, active);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error(
        `Flow run ${run.id} (${entry.task.name}) could not be reported to Prefect: ${message}`,
      );
      if (active.phase === 'claiming' || active.phase === 'waiting') {
        // Claimed (or maybe: the claim's answer was lost) but not started: give it back once Prefect answers.
        const why = `its start could not be reported (${message})`;
        return (await this.claims.release(run, active.own, why, active.controller.signal))
          ? 'released'
          : 'error';
      }
      if (active.phase === 'running' || active.phase === 'finishing') {
        await this.client
          .setState(run.id, { type: 'CRASHED', name: 'Crashed', message: `Worker error: ${message}` }, true)
          .catch(() => undefined);
      }
      return 'error';
    }
  }

  /** Whether a run is a schedule tick that the fallback tier already covered during an outage. */
  coveredByFallback(run: PrefectFlowRun, entry: DeploymentEntry): boolean {
    const due = Date.parse(run.next_scheduled_start_time ?? run.expected_start_time ?? '');
    return (
      !!entry.skipScheduledBefore && run.auto_scheduled === true && due < entry.skipScheduledBefore.getTime()
    );
  }

  /** Ends such a tick CANCELLED (forced), saying why, instead of running it a second time. */
  skip(run: PrefectFlowRun): Promise<RunResult> {
    return this.states.skipped(run.id);
  }

  private async drive(run: PrefectFlowRun, entry: DeploymentEntry, active: ActiveRun): Promise<RunResult> {
    const claim = await this.propose(active, {
      type: 'PENDING',
      name: 'Pending',
      message: claimMessage(this.workerName),
    });
    if (claim.status !== 'ACCEPT') {
      // overlap 'skip': Prefect's deployment concurrency limit cancelled this run (CANCEL_NEW).
      if (claim.status === 'REJECT' && claim.state?.type === 'CANCELLED')
        this.registry.emit({
          type: 'skipped',
          jobId: entry.jobId,
          tier: 'prefect',
          name: entry.task.name,
          runId: run.id,
          scheduledAt: new Date(run.next_scheduled_start_time ?? run.expected_start_time ?? Date.now()),
          reason: `another run is still going (overlap: skip): ${claim.state.message ?? 'cancelled by Prefect'}`,
        });
      return 'not-claimed';
    }
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
      const beforeStart = releasable
        ? AbortSignal.any([active.controller.signal, active.release.signal])
        : active.controller.signal;
      await sleep(Math.max(0, startAt.getTime() - Date.now()), beforeStart);
      const started = await this.proposeRunning(run.id, active, beforeStart, releasable);
      if (started === 'release') {
        const given = await this.claims.release(run, active.own, 'shutting down', active.controller.signal);
        return given ? 'released' : 'error';
      }
      if (started !== 'running') return started;

      active.phase = 'running';
      let steps: FlowSteps | undefined;
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
        extendContext: (base: TaskContext) => {
          const reporter = new PrefectTaskRunReporter(this.client, this.shipper, run.id, entry, active);
          const own = new FlowSteps(reporter, base.signal, entry.jobId, attempt);
          steps = own;
          return {
            ...base,
            flowRunId: run.id,
            flowRunName: run.name,
            deploymentId: entry.deploymentId,
            deploymentName: entry.deploymentName,
            flowName: entry.flowName,
            parameters: { ...options.parameters, ...run.parameters },
            task: (name, fn, stepOptions) => own.task(name, fn, stepOptions),
            map: (name, items, fn, mapOptions) => own.map(name, items, fn, mapOptions),
            runDeployment: (target, params, subflow) =>
              new PrefectSubflows(this.client, own).run(target, params, subflow),
          };
        },
        invoke: (ctx) => entry.task.handler(ctx.parameters, ctx),
      });
      active.phase = 'finishing';
      // Steps the method did not wait for: awaited after a success, cancelled after a failure.
      await steps?.finish(outcome.status !== 'succeeded');
      if (outcome.status === 'failed')
        this.shipper.add(run.id, 40, `Flow run failed: ${outcome.error?.stack ?? summary(outcome.error)}`);
      await this.shipper.flush();

      if (outcome.status === 'cancelled') {
        return active.abortKind === 'shutdown'
          ? this.states.crashed(run.id)
          : this.states.cancelled(run.id, outcome.error?.message);
      }
      if (outcome.status === 'succeeded') {
        const done = await this.propose(
          active,
          { type: 'COMPLETED', name: 'Completed', message: `Completed by ${this.workerName}` },
          true,
        );
        return isCancelling(done) ? this.states.cancelled(run.id) : 'completed';
      }
      const timedOut = outcome.error instanceof TaskTimeoutError;
      const failed = await this.propose(
        active,
        { type: 'FAILED', name: timedOut ? 'TimedOut' : 'Failed', message: summary(outcome.error) },
        true,
      );
      if (isCancelling(failed)) return this.states.cancelled(run.id);
      if (failed.status === 'REJECT' && failed.state?.type === 'SCHEDULED') {
        const retryAt = new Date(failed.state.state_details?.scheduled_time ?? Date.now());
        this.registry.emit({
          type: 'retrying',
          jobId: entry.jobId,
          tier: 'prefect',
          name: entry.task.name,
          runId: run.id,
          attempt,
          scheduledAt: retryAt,
          error: outcome.error,
        });
        this.logger.warn(
          `Flow run ${run.id} (${entry.task.name}) failed on attempt ${attempt}; Prefect retries it at ${retryAt.toISOString()}`,
        );
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
      if (active.controller.signal.aborted)
        return active.abortKind === 'shutdown'
          ? this.states.crashed(flowRunId)
          : this.states.cancelled(flowRunId);
      const result = await this.propose(active, { type: 'RUNNING', name: 'Running' });
      if (result.status === 'ACCEPT') return 'running';
      if (result.status === 'WAIT') {
        await sleep(Math.max(50, (result.details.delay_seconds ?? 0) * 1000), signal);
        continue;
      }
      if (isCancelling(result)) return this.states.cancelled(flowRunId);
      this.logger.warn(
        `Flow run ${flowRunId}: Prefect answered ${result.status} to RUNNING (${result.details.reason ?? 'no reason'}); not running it`,
      );
      return 'aborted';
    }
  }

  /**
   * A non-forced proposal for a run this worker drives: checked against its own order of states, with a
   * transition id of its own (so a retried request is idempotent and the state is recognisably this worker's).
   */
  private async propose(active: ActiveRun, state: StateCreate, final = false): Promise<OrchestrationResult> {
    assertOwnTransition(active.flowRunId, active.known, state.type);
    const transitionId = randomUUID();
    active.own.add(transitionId);
    // A shutdown's abort also ends a pending proposal (a RUNNING still retried after close() could otherwise
    // start a run nobody drives); a final state keeps its own retry loop, bounded by the same signal.
    const signal = final ? undefined : active.controller.signal;
    const send = () => this.client.setState(active.flowRunId, state, false, { transitionId, signal });
    // The method has run: only the report is missing, so a final state is retried until Prefect answers.
    const answer = final
      ? await untilAnswered(send, active.controller.signal, this.logger, active.flowRunId)
      : await send();
    const result = settled(answer, state.type, transitionId);
    if (result.status !== 'WAIT' && result.state) active.known = result.state.type;
    return result;
  }
}
