import { Inject, Injectable } from '@nestjs/common';
import { filter, type Observable } from 'rxjs';
import { HYBRID_SCHEDULER_OPTIONS } from './hybrid-scheduler.constants.js';
import { DeploymentNotFoundError, InvalidArgumentError } from './errors/index.js';
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
  RecentRuns,
  RecentRunsOptions,
  TaskCharacteristics,
  TriggerResult,
} from './interfaces/index.js';
import { classifyTask } from './classifier/classify-task.js';
import { internalTaskDefinition } from './discovery/internal-task.definition.js';
import { JobRegistry } from './registry/job.registry.js';
import { jobId, parseQueueJobId } from './registry/job-id.js';
import { SchedulerTiers } from './lifecycle/scheduler-tiers.js';
import { withTimeout } from './common/settle-within.js';
import { TaskRouter } from './classifier/task.router.js';
import { AdoptedJobs } from './adopt/adopted-jobs.js';
import {
  handlerArgument,
  internalTaskArguments,
  limitArgument,
  objectArgument,
  stringArgument,
} from './facade-arguments.js';

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
    private readonly tiers: SchedulerTiers,
    private readonly router: TaskRouter,
    /** Jobs of @nestjs/schedule and @nestjs/bullmq in the same app (adopt/). */
    private readonly adopted: AdoptedJobs,
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
    const adopted = await this.adopted.list();
    return [...this.registry.all().map((record) => snapshot(record.info)), ...adopted];
  }

  /** @throws JobNotFoundError */
  async getJob(id: string): Promise<JobInfo> {
    const adopted = this.adopted.owns(id) ? await this.adopted.get(id) : undefined;
    if (adopted) return adopted;
    this.registry.get(id);
    await this.refresh([id]);
    return snapshot(this.registry.info(id));
  }

  /**
   * The job's recent runs as its engine keeps them, newest first, whichever replica ran them: BullMQ's completed
   * and failed jobs (also of a `@Processor` queue of @nestjs/bullmq), the Prefect flow runs of a deployment.
   * Where nothing keeps finished runs (internal tasks, the memory, NATS, RabbitMQ and Cloud Tasks engines,
   * @nestjs/schedule jobs) `runs` is empty and `notKept` says why; `onJobEvent` sees this process's runs.
   * @throws JobNotFoundError, InvalidArgumentError
   */
  async recentRuns(id: string, options: RecentRunsOptions = {}): Promise<RecentRuns> {
    const method = 'recentRuns';
    const limit = limitArgument(method, objectArgument(method, 'options', options, {}).limit, 20, 200);
    if (this.adopted.owns(id)) return this.adopted.recentRuns(id, limit);
    const tier = this.registry.get(id).tier;
    if (!tier.recentRuns)
      return {
        jobId: id,
        keptBy: null,
        runs: [],
        notKept: `the ${tier.name} tier keeps no runs outside this process`,
      };
    return tier.recentRuns(id, limit);
  }

  /** Runs the job now (internal: in this process, awaited; queue: enqueued; prefect: a new flow run). */
  async trigger(id: string): Promise<TriggerResult> {
    const adopted = this.adopted.owns(id) ? await this.adopted.trigger(id) : undefined;
    if (adopted) return adopted;
    return this.registry.get(id).tier.trigger(id);
  }

  async pause(id: string): Promise<void> {
    if (this.adopted.owns(id)) return this.adopted.pause(id);
    const record = this.registry.get(id);
    await record.tier.pause(id);
    record.info.paused = true;
  }

  async resume(id: string): Promise<void> {
    if (this.adopted.owns(id)) return this.adopted.resume(id);
    const record = this.registry.get(id);
    await record.tier.resume(id);
    record.info.paused = false;
  }

  /**
   * Adds an in-process task at runtime, validated like `@InternalTask`; returns its job id `internal:<name>`.
   * The old order `(name, handler, options)` still works, with a deprecation warning, until the next minor.
   */
  scheduleInternalTask(
    options: InternalTaskOptions & { name: string },
    handler: (ctx: InternalTaskContext) => unknown,
  ): string;
  /** @deprecated use `scheduleInternalTask({ name, ...options }, handler)` */
  scheduleInternalTask(
    name: string,
    handler: (ctx: InternalTaskContext) => unknown,
    options: Omit<InternalTaskOptions, 'name'>,
  ): string;
  scheduleInternalTask(first: unknown, second: unknown, third?: unknown): string {
    const { options, handler } = internalTaskArguments([first, second, third]);
    const internal = this.tiers.internal(`schedule "${options.name}"`);
    const task = internalTaskDefinition(
      options,
      { className: 'dynamic', methodName: String(options.name), dynamic: true },
      handler,
      this.options.internal.timeZone,
    );
    internal.register(this.router.route(task, this.tiers.snapshot(), 'fail'));
    return jobId('internal', task.name);
  }

  /** Stops and forgets a job. Removing a decorated job lasts until the next boot. */
  async removeJob(id: string): Promise<void> {
    if (this.adopted.owns(id)) this.adopted.removeJob(id);
    await this.registry.get(id).tier.remove(id);
    this.registry.remove(id);
  }

  /** Which tier the classifier picks for these characteristics, why, and the fallback chain. */
  classify(characteristics: TaskCharacteristics): Classification {
    return classifyTask(objectArgument('classify', 'characteristics', characteristics));
  }

  /** Enqueues a job of a `@QueuedWorkflow`. @throws WorkflowNotFoundError, PayloadValidationError */
  async enqueueWorkflow(
    workflow: string,
    payload: unknown = {},
    options: EnqueueOptions = {},
  ): Promise<EnqueueResult> {
    return this.tiers.queue.enqueueWorkflow(
      stringArgument('enqueueWorkflow', 'workflow', workflow, 'expected the name of a @QueuedWorkflow'),
      payload,
      objectArgument('enqueueWorkflow', 'options', options, {}),
    );
  }

  /** Jobs of `workflow` that used up their attempts: payload, error, stack, attempts, timestamps. */
  async deadLetters(workflow: string): Promise<DeadLetter[]> {
    return this.tiers.queue.deadLetters(workflow);
  }

  /** Re-enqueues a dead-lettered job (`queue:<workflow>:<job key>`) with its attempts reset. */
  async retryDeadLetter(id: string): Promise<EnqueueResult> {
    if (!parseQueueJobId(id))
      throw new InvalidArgumentError(
        'retryDeadLetter',
        'id',
        id,
        'expected a dead letter id "queue:<workflow>:<job key>", as deadLetters(workflow) lists them',
      );
    return this.tiers.queue.retryDeadLetter(id);
  }

  async purgeDeadLetters(workflow: string): Promise<number> {
    return this.tiers.queue.purgeDeadLetters(workflow);
  }

  /** Creates a flow run of a deployment (`<flow>/<deployment>`); any worker of the pool may run it. */
  async runDeployment(
    deployment: string,
    parameters: Record<string, unknown> = {},
    options: { idempotencyKey?: string; scheduledAt?: Date } = {},
  ): Promise<FlowRunRef> {
    const prefect = this.tiers.prefect(`run "${deployment}"`);
    if (!prefect.deployments().includes(deployment))
      throw new DeploymentNotFoundError(deployment, prefect.deployments());
    return prefect.runDeployment(deployment, parameters, options);
  }

  /** Registers a deployment at runtime, served by this app's worker; returns its job id `prefect:<flow>/<name>`. */
  async scheduleDeployment<P extends object = Record<string, unknown>>(
    options: PrefectDeploymentOptions,
    handler: (parameters: P, ctx: FlowRunContext) => unknown,
  ): Promise<string> {
    const method = 'scheduleDeployment';
    const checked = objectArgument<PrefectDeploymentOptions>(method, 'options', options);
    const run = handlerArgument(method, handler);
    return this.tiers.prefect('schedule a deployment').scheduleDeployment(checked, run);
  }

  /**
   * Engine-side fields of the jobs (counts, next runs), tier by tier. A tier that does not answer within
   * `unavailableTimeoutMs` leaves its jobs as last known, marked `stale`: listing never hangs on an engine.
   */
  private async refresh(ids: string[]): Promise<void> {
    const byTier = new Map<string, { ids: string[]; refresh: (ids: string[]) => Promise<void> }>();
    for (const id of ids) {
      const tier = this.registry.get(id).tier;
      if (!tier.refresh) continue;
      const entry = byTier.get(tier.name) ?? { ids: [], refresh: tier.refresh.bind(tier) };
      entry.ids.push(id);
      byTier.set(tier.name, entry);
    }
    const timeoutMs = this.options.unavailableTimeoutMs;
    await Promise.all(
      [...byTier.entries()].map(([tier, entry]) =>
        withTimeout(
          entry.refresh(entry.ids),
          timeoutMs,
          () => new Error(`the ${tier} tier did not answer within ${timeoutMs}ms`),
        ).catch((error: Error) => {
          for (const id of entry.ids) {
            if (!this.registry.has(id)) continue;
            const info = this.registry.info(id);
            info.details = { ...info.details, stale: true, staleReason: error.message };
          }
        }),
      ),
    );
  }
}
