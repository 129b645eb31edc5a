import { Inject, Injectable } from '@nestjs/common';
import { filter, type Observable } from 'rxjs';
import { HYBRID_SCHEDULER_OPTIONS } from './hybrid-scheduler.constants.js';
import { DeploymentNotFoundError, TierUnavailableError } from './errors/index.js';
import type { ResolvedModuleOptions } from './config/module-options.js';
import type {
  Classification,
  DeadLetter,
  EnqueueOptions,
  EnqueueResult,
  FlowRunContext,
  FlowRunRef,
  InternalTaskContext,
  InternalTaskOptions,
  JobEvent,
  JobEventType,
  JobInfo,
  PrefectDeploymentOptions,
  PrefectTierApi,
  TaskCharacteristics,
  TaskHandler,
  TriggerResult,
} from './interfaces/index.js';
import { classifyTask } from './classifier/classify-task.js';
import { internalTaskDefinition } from './discovery/internal-task.definition.js';
import { JobRegistry, jobId } from './registry/job.registry.js';
import { TiersLifecycle } from './lifecycle/tiers.lifecycle.js';
import { InternalTier } from './tiers/internal/internal.tier.js';
import { QueueTier } from './tiers/queue/queue.tier.js';
import { TaskRouter } from './classifier/task.router.js';

/** Copies a JobInfo so callers cannot change the registry's live state. */
const snapshot = (info: JobInfo): JobInfo => ({
  ...info,
  details: info.details ? { ...info.details } : undefined,
});

/**
 * The one API for application code: list, inspect, trigger, pause and resume jobs of every tier, add dynamic
 * tasks, enqueue workflows, start Prefect runs, handle dead letters and observe outcomes.
 */
@Injectable()
export class HybridScheduler {
  constructor(
    @Inject(HYBRID_SCHEDULER_OPTIONS) private readonly options: ResolvedModuleOptions,
    private readonly registry: JobRegistry,
    private readonly lifecycle: TiersLifecycle,
    private readonly internal: InternalTier,
    private readonly queue: QueueTier,
    private readonly router: TaskRouter,
  ) {}

  /** Outcome events of every job: started, succeeded, failed, skipped, missed, retrying, dead-lettered. */
  get events$(): Observable<JobEvent> {
    return this.registry.events$;
  }

  /** Calls `listener` for each event (optionally only of the given types); returns an unsubscribe function. */
  onJobEvent(listener: (event: JobEvent) => void, types?: JobEventType[]): () => void {
    const subscription = this.registry.events$
      .pipe(filter((event) => !types || types.includes(event.type)))
      .subscribe(listener);
    return () => subscription.unsubscribe();
  }

  async listJobs(): Promise<JobInfo[]> {
    await this.refresh(this.registry.ids());
    return this.registry.all().map((record) => snapshot(record.info));
  }

  /** @throws JobNotFoundError */
  async getJob(id: string): Promise<JobInfo> {
    this.registry.get(id);
    await this.refresh([id]);
    return snapshot(this.registry.info(id));
  }

  /** Runs the job now (internal: in this process, awaited; queue: enqueued; prefect: a new flow run). */
  async trigger(id: string): Promise<TriggerResult> {
    return this.registry.get(id).tier.trigger(id);
  }

  async pause(id: string): Promise<void> {
    const record = this.registry.get(id);
    await record.tier.pause(id);
    record.info.paused = true;
  }

  async resume(id: string): Promise<void> {
    const record = this.registry.get(id);
    await record.tier.resume(id);
    record.info.paused = false;
  }

  /** Adds an in-process task at runtime, validated like `@InternalTask`; returns its job id. */
  scheduleInternalTask(
    name: string,
    handler: (ctx: InternalTaskContext) => unknown,
    options: Omit<InternalTaskOptions, 'name'>,
  ): string {
    if (!this.lifecycle.tier('internal')) {
      throw new TierUnavailableError(
        `Cannot schedule "${name}": ${this.lifecycle.availabilityOf('internal').reason}`,
      );
    }
    const task = internalTaskDefinition(
      { ...options, name },
      { className: 'dynamic', methodName: name },
      handler as TaskHandler,
      this.options.internal.timeZone,
    );
    this.internal.register(this.router.route(task, { internal: { available: true } }, 'fail'));
    return jobId('internal', task.name);
  }

  /** Stops and forgets a job. Removing a decorated job lasts until the next boot. */
  async removeJob(id: string): Promise<void> {
    await this.registry.get(id).tier.remove(id);
    this.registry.remove(id);
  }

  /** Which tier the classifier picks for these characteristics, why, and the fallback chain. */
  classify(characteristics: TaskCharacteristics): Classification {
    return classifyTask(characteristics);
  }

  /** Enqueues a job of a `@QueuedWorkflow`. @throws WorkflowNotFoundError, PayloadValidationError */
  async enqueueWorkflow(
    workflow: string,
    payload: unknown = {},
    options: EnqueueOptions = {},
  ): Promise<EnqueueResult> {
    return this.queue.enqueueWorkflow(workflow, payload, options);
  }

  /** Jobs of `workflow` that used up their attempts: payload, error, stack, attempts, timestamps. */
  async deadLetters(workflow: string): Promise<DeadLetter[]> {
    return this.queue.deadLetters(workflow);
  }

  /** Re-enqueues a dead-lettered job (`queue:<workflow>:<job key>`) with its attempts reset. */
  async retryDeadLetter(id: string): Promise<EnqueueResult> {
    return this.queue.retryDeadLetter(id);
  }

  async purgeDeadLetters(workflow: string): Promise<number> {
    return this.queue.purgeDeadLetters(workflow);
  }

  /** Creates a flow run of a deployment (`<flow>/<deployment>`); any worker of the pool may run it. */
  async runDeployment(
    deployment: string,
    parameters: Record<string, unknown> = {},
    options: { idempotencyKey?: string; scheduledAt?: Date } = {},
  ): Promise<FlowRunRef> {
    const prefect = this.prefectApi();
    if (!prefect)
      throw new TierUnavailableError(
        `Cannot run "${deployment}": ${this.lifecycle.availabilityOf('prefect').reason}`,
      );
    if (!prefect.deployments().includes(deployment))
      throw new DeploymentNotFoundError(deployment, prefect.deployments());
    return prefect.runDeployment(deployment, parameters, options);
  }

  /** Registers a deployment at runtime, served by this app's worker; returns its job id. */
  async scheduleDeployment<P extends object = Record<string, unknown>>(
    options: PrefectDeploymentOptions,
    handler: (parameters: P, ctx: FlowRunContext) => unknown,
  ): Promise<string> {
    const prefect = this.prefectApi();
    if (!prefect)
      throw new TierUnavailableError(
        `Cannot schedule a deployment: ${this.lifecycle.availabilityOf('prefect').reason}`,
      );
    return prefect.scheduleDeployment(options, handler as TaskHandler);
  }

  private prefectApi(): PrefectTierApi | undefined {
    return this.lifecycle.tier('prefect') as unknown as PrefectTierApi | undefined;
  }

  private async refresh(ids: string[]): Promise<void> {
    const byTier = new Map<string, { ids: string[]; refresh: (ids: string[]) => Promise<void> }>();
    for (const id of ids) {
      const tier = this.registry.get(id).tier;
      if (!tier.refresh) continue;
      const entry = byTier.get(tier.name) ?? { ids: [], refresh: tier.refresh.bind(tier) };
      entry.ids.push(id);
      byTier.set(tier.name, entry);
    }
    await Promise.all([...byTier.values()].map((entry) => entry.refresh(entry.ids)));
  }
}
