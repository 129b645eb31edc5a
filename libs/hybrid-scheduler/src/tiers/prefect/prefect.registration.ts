import { Logger } from '@nestjs/common';
import type { TaskDefinition } from '../../interfaces/index.js';
import type { PrefectClient } from './prefect.client.js';
import { deploymentChanges, obsoleteSchedules, toFields, toSchedules } from './prefect-deployment.mapper.js';
import type { DeploymentFields, PrefectDeployment } from './prefect.types.js';

/** Pool type of the pools this library creates: Python `process` workers never poll it, so never grab our runs. */
export const WORK_POOL_TYPE = 'nestjs';

export interface RegisteredDeployment {
  deploymentId: string;
  flowId: string;
  created: boolean;
  /** Fields that were PATCHed (empty when the stored deployment already matched). */
  updated: string[];
  paused: boolean;
  /** The queue of the pool the deployment's runs go to (what the worker polls). */
  workQueueName: string;
}

/**
 * Makes Prefect hold what the decorators declare: the work pool, each flow, each deployment. Deployments are
 * read first and only the fields that differ are PATCHed, schedules identified by slug: re-POSTing would
 * delete and re-create the future scheduled runs on every boot.
 */
export class PrefectRegistration {
  private readonly logger = new Logger('HybridScheduler:PrefectRegistration');
  private poolReady = false;

  constructor(
    private readonly client: PrefectClient,
    private readonly workPool: string,
  ) {}

  /** `recheck`: read it again even if it was there before (Prefect answered 404 for it since). */
  async ensureWorkPool(fast = false, recheck = false): Promise<void> {
    if (this.poolReady && !recheck) return;
    const pool = await this.client.readWorkPool(this.workPool, fast);
    if (!pool) {
      const created = await this.client.createWorkPool(
        this.workPool,
        WORK_POOL_TYPE,
        'Runs executed by NestJS apps (nestjs-hybrid-scheduler)',
      );
      if (created) this.logger.log(`Created work pool "${this.workPool}" (type ${WORK_POOL_TYPE})`);
    } else if (pool.type !== WORK_POOL_TYPE) {
      this.logger.warn(
        `Work pool "${this.workPool}" has type "${pool.type}", not "${WORK_POOL_TYPE}": Prefect workers of that type ` +
          `also poll it and would claim runs they cannot execute. Use a pool only NestJS workers poll.`,
      );
    }
    this.poolReady = true;
  }

  /** Creates the configured queues that do not exist yet (a poll naming a missing queue answers 404). */
  async ensureQueues(names: string[]): Promise<void> {
    for (const name of names) {
      if (await this.client.createWorkQueue(this.workPool, name))
        this.logger.log(`Created work queue "${name}" in work pool "${this.workPool}"`);
    }
  }

  /** `defaultQueue`: where a deployment without `workQueue` goes (null: the pool's default queue). */
  async register(task: TaskDefinition, defaultQueue: string | null = null): Promise<RegisteredDeployment> {
    const options = task.prefect!;
    const flow = await this.client.createFlow(options.flow!);
    const fields = toFields(task, this.workPool, defaultQueue);
    const schedules = toSchedules(task);
    const existing = await this.client.readDeploymentByName(options.flow!, options.name!);
    if (!existing) {
      const created = await this.client.createDeployment({
        name: options.name!,
        flow_id: flow.id,
        ...fields,
        paused: options.paused ?? false,
        schedules,
        parameter_openapi_schema: { type: 'object', properties: {} },
      });
      this.logger.log(`Created deployment "${task.name}" (${created.id})`);
      return {
        deploymentId: created.id,
        flowId: flow.id,
        created: true,
        updated: [],
        paused: created.paused ?? false,
        workQueueName: created.work_queue_name ?? fields.work_queue_name ?? 'default',
      };
    }
    return this.update(task, existing, flow.id, fields);
  }

  private async update(
    task: TaskDefinition,
    existing: PrefectDeployment,
    flowId: string,
    fields: DeploymentFields,
  ): Promise<RegisteredDeployment> {
    const schedules = toSchedules(task);
    const changes = deploymentChanges(existing, fields, schedules);
    const updated = Object.keys(changes);
    if (updated.length) {
      await this.client.updateDeployment(existing.id, changes);
      this.logger.log(`Updated deployment "${task.name}": ${updated.join(', ')}`);
    }
    for (const schedule of obsoleteSchedules(existing, schedules)) {
      await this.client.deleteSchedule(existing.id, schedule.id);
      updated.push(`schedule ${schedule.slug ?? schedule.id} removed`);
    }
    return {
      deploymentId: existing.id,
      flowId,
      created: false,
      updated,
      paused: existing.paused,
      workQueueName: fields.work_queue_name ?? existing.work_queue_name ?? 'default',
    };
  }
}
