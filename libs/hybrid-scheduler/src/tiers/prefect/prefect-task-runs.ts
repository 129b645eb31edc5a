import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { sleep } from '../../common/timers.js';
import { TaskTimeoutError } from '../../errors/index.js';
import type { TaskLogger } from '../../interfaces/index.js';
import type { StepRecord, StepReporter } from '../../runner/flow-steps.js';
import type { PrefectClient } from './prefect.client.js';
import type { PrefectLogShipper } from './prefect-log.shipper.js';
import type { OrchestrationResult, StateCreate, StateType } from './prefect.types.js';
import type { TaskRunCreate } from './prefect-task-run.types.js';
import { isOutage, untilAnswered } from './prefect-connection.js';
import { assertOwnTransition } from './prefect-transitions.js';
import type { ActiveRun, DeploymentEntry } from './prefect-worker.types.js';

const summary = (error: Error): string => `${error.name}: ${error.message}`.slice(0, 2000);

/**
 * Records a flow run's steps as Prefect task runs through the REST routes that go through the server's task
 * policy (CoreTaskPolicy): `POST /task_runs/` (PENDING, upstream steps in `task_inputs.wait_for`, the step's
 * retries in `empirical_policy`), then `POST /task_runs/{id}/set_state` RUNNING (WAIT honoured; ABORT when the
 * flow run is no longer RUNNING), COMPLETED or FAILED (rejected into AwaitingRetry while retries remain:
 * RetryFailedTasks), CANCELLED (forced). Every proposal is checked against this client's own order of states:
 * Prefect accepts e.g. COMPLETED → RUNNING on a task run.
 */
export class PrefectTaskRunReporter implements StepReporter {
  private readonly nest = new Logger('HybridScheduler:PrefectWorker');
  /** The last state Prefect confirmed for each task run of this flow run. */
  private readonly known = new Map<string, StateType | null>();

  private readonly flowName: string;
  private readonly jobId: string;
  /** Aborts on cancellation and shutdown: a state then stops waiting for Prefect to answer. */
  private readonly stop: AbortSignal;

  constructor(
    private readonly client: PrefectClient,
    private readonly shipper: PrefectLogShipper,
    private readonly flowRunId: string,
    entry: Pick<DeploymentEntry, 'flowName' | 'jobId'>,
    active: Pick<ActiveRun, 'controller'>,
  ) {
    this.flowName = entry.flowName;
    this.jobId = entry.jobId;
    this.stop = active.controller.signal;
  }

  async create(step: StepRecord): Promise<string> {
    const body: TaskRunCreate = {
      flow_run_id: this.flowRunId,
      task_key: `${this.flowName}.${step.name}`,
      dynamic_key: step.dynamicKey,
      name: `${step.name}-${step.dynamicKey}`,
      tags: step.options.tags ?? [],
      empirical_policy: {
        retries: step.options.retries ?? 0,
        retry_delay: step.options.retryDelaySeconds ?? 0,
      },
      task_inputs: step.upstream.length
        ? { wait_for: step.upstream.map((id) => ({ input_type: 'task_run' as const, id })) }
        : {},
      state: { type: 'PENDING', name: 'Pending' },
    };
    const { run } = await untilAnswered(
      () => this.client.createTaskRun(body),
      this.stop,
      this.nest,
      this.flowRunId,
    );
    // An existing task run (same keys) keeps its state: the guard then refuses to run it a second time.
    this.known.set(run.id, run.state?.type ?? 'PENDING');
    return run.id;
  }

  async start(id: string, signal: AbortSignal): Promise<{ run: true } | { run: false; reason: string }> {
    for (;;) {
      const result = await this.propose(id, { type: 'RUNNING', name: 'Running' });
      if (result.status === 'ACCEPT') return { run: true };
      if (result.status !== 'WAIT')
        return { run: false, reason: `Prefect answered ${result.status} (${result.details.reason ?? ''})` };
      if (!(await sleep(Math.max(50, (result.details.delay_seconds ?? 0) * 1000), signal)))
        return { run: false, reason: 'cancelled while waiting' };
    }
  }

  async completed(id: string): Promise<void> {
    await this.propose(id, { type: 'COMPLETED', name: 'Completed' });
  }

  async failed(id: string, error: Error): Promise<Date | null> {
    const timedOut = error instanceof TaskTimeoutError;
    const result = await this.propose(id, {
      type: 'FAILED',
      name: timedOut ? 'TimedOut' : 'Failed',
      message: summary(error),
    });
    if (result.status === 'REJECT' && result.state?.type === 'SCHEDULED')
      return new Date(result.state.state_details?.scheduled_time ?? Date.now());
    return null;
  }

  async cancelled(id: string, reason: string): Promise<void> {
    const from = this.known.get(id) ?? null;
    if (from === 'COMPLETED' || from === 'FAILED' || from === 'CANCELLED' || from === 'CRASHED') return;
    await this.propose(id, { type: 'CANCELLED', name: 'Cancelled', message: reason }, true);
  }

  logger(id: string, name: string): TaskLogger {
    return this.shipper.loggerFor(this.flowRunId, `${this.jobId} ${name}`, id);
  }

  private async propose(id: string, state: StateCreate, force = false): Promise<OrchestrationResult> {
    assertOwnTransition(id, this.known.get(id) ?? null, state.type);
    const transitionId = randomUUID();
    const result = await untilAnswered(
      () => this.send(id, state, force, transitionId),
      this.stop,
      this.nest,
      this.flowRunId,
    );
    if (result.status !== 'WAIT' && result.state) this.known.set(id, result.state.type);
    return result;
  }

  /**
   * One proposal. Its answer lost, the task run is read back: Prefect's task policy has no duplicate-transition
   * rule, so sending the same proposal twice could apply it twice (a second FAILED after AwaitingRetry is
   * accepted). A state carrying our transition id (or, for FAILED, the AwaitingRetry it was turned into) is the
   * answer; anything else means it was not applied and is sent again.
   */
  private async send(
    id: string,
    state: StateCreate,
    force: boolean,
    transitionId: string,
  ): Promise<OrchestrationResult> {
    try {
      return await this.client.setTaskRunState(id, state, force, transitionId);
    } catch (error) {
      if (!isOutage(error)) throw error;
      const current = (await this.client.readTaskRun(id).catch(() => null))?.state;
      if (current?.state_details?.transition_id === transitionId)
        return { status: 'ACCEPT', state: current, details: { type: 'accept_details' } };
      if (state.type === 'FAILED' && current?.type === 'SCHEDULED' && this.known.get(id) === 'RUNNING')
        return { status: 'REJECT', state: current, details: { type: 'reject_details', reason: 'Retrying' } };
      throw error;
    }
  }
}
