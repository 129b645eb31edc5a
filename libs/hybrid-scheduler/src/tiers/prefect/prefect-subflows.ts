import { sleep } from '../../common/timers.js';
import { DeploymentNotFoundError, InvalidArgumentError, SubflowFailedError } from '../../errors/index.js';
import type { SubflowOptions, SubflowRun } from '../../interfaces/index.js';
import type { FlowSteps } from '../../runner/flow-steps.js';
import type { PrefectClient } from './prefect.client.js';
import type { PrefectFlowRun } from './prefect.types.js';

/** How often a waiting parent reads its child flow run. */
export const SUBFLOW_POLL_MS = 1000;
const FINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED']);

const ref = (run: PrefectFlowRun, state: string): SubflowRun => ({
  flowRunId: run.id,
  name: run.name,
  deploymentId: run.deployment_id ?? '',
  state,
});

/**
 * `ctx.runDeployment`: a subflow as Prefect links one, through a parent task run. The step (a task run of this
 * flow run, named after the deployment) creates the child with `POST /deployments/{id}/create_flow_run` and
 * `parent_task_run_id` = its own task run id, so graph-v2 shows the child as a `flow-run` node in this run's
 * graph; with `wait` it reads the child until it is final. A step aborted meanwhile (cancellation, shutdown,
 * its timeout) asks Prefect to cancel the child (CANCELLING).
 */
export class PrefectSubflows {
  constructor(
    private readonly client: PrefectClient,
    private readonly steps: FlowSteps,
    private readonly pollMs = SUBFLOW_POLL_MS,
  ) {}

  run(
    deployment: string,
    parameters: Record<string, unknown> = {},
    options: SubflowOptions = {},
  ): Promise<SubflowRun> {
    const [flow, name, extra] = typeof deployment === 'string' ? deployment.split('/') : [];
    if (!flow || !name || extra !== undefined)
      throw new InvalidArgumentError('ctx.runDeployment', 'deployment', deployment, "'<flow>/<deployment>'");
    if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters))
      throw new InvalidArgumentError('ctx.runDeployment', 'parameters', parameters, 'a plain object');
    return this.steps.task(
      deployment,
      async (step) => {
        const target = await this.client.readDeploymentByName(flow, name);
        if (!target) throw new DeploymentNotFoundError(deployment, []);
        const { run } = await this.client.createFlowRun(target.id, {
          parameters,
          parent_task_run_id: step.stepRunId,
          ...(options.idempotencyKey ? { idempotency_key: options.idempotencyKey } : {}),
        });
        step.logger.log(`Subflow ${deployment}: flow run ${run.id} (${run.name})`);
        if (options.wait === false) return ref(run, run.state_type ?? 'SCHEDULED');
        for (;;) {
          if (!(await sleep(this.pollMs, step.signal))) {
            await this.client
              .setState(run.id, {
                type: 'CANCELLING',
                name: 'Cancelling',
                message: 'Its parent step was aborted',
              })
              .catch(() => undefined);
            throw step.signal.reason;
          }
          const current = await this.client.readFlowRun(run.id, step.signal);
          const state = current.state_type ?? '';
          if (!FINAL.has(state)) continue;
          if (state === 'COMPLETED') return ref(current, state);
          throw new SubflowFailedError(deployment, run.id, state, current.state?.message);
        }
      },
      { ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}), tags: options.tags ?? [] },
    );
  }
}
