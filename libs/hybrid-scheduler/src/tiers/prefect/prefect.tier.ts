import { Inject, Injectable, Logger } from '@nestjs/common';
import { HYBRID_SCHEDULER_OPTIONS } from '../../hybrid-scheduler.constants.js';
import { TierUnavailableError } from '../../errors/index.js';
import type { ResolvedModuleOptions } from '../../config/module-options.js';
import type {
  FlowRunRef,
  PrefectDeploymentOptions,
  PrefectTierApi,
  RecentRuns,
  SchedulerTier,
  TaskDefinition,
  TaskHandler,
  TierAvailability,
  TierHealth,
  TriggerResult,
} from '../../interfaces/index.js';
import { JobRegistry, jobId } from '../../registry/job.registry.js';
import { TaskRunner } from '../../runner/task.runner.js';
import { prefectDeploymentDefinition } from '../../discovery/prefect-deployment.definition.js';
import { PrefectClient } from './prefect.client.js';
import { PrefectRegistration } from './prefect.registration.js';
import { PrefectLogShipper } from './prefect-log.shipper.js';
import { PrefectRunExecutor, type DeploymentEntry } from './prefect-run.executor.js';
import { prefectRecentRuns } from './prefect-run-history.js';
import { PrefectLateRuns } from './prefect-late-runs.js';
import { PrefectWorker } from './prefect.worker.js';
import type { PrefectSettings } from './prefect-tier.settings.js';
import { PrefectJobsView } from './prefect-jobs.view.js';
import { readFlowRunCounts, type FlowRunCount } from './prefect-run-counts.js';
import { PrefectDeployments } from './prefect-deployments.js';
import { watchPrefect } from './prefect-availability.js';
import { PrefectPoolRestore } from './prefect-pool.restore.js';
import { redact, redactedMessage } from '../../common/redact.js';
import { guardEngine } from '../../common/engine-guard.js';

/**
 * The Prefect tier: registers each `@PrefectDeployment` (flow, deployment, slugged schedule) in a work pool and,
 * unless `registerOnly`, acts as that pool's worker executing the decorated methods.
 */
@Injectable()
export class PrefectTier implements SchedulerTier, PrefectTierApi {
  readonly name = 'prefect' as const;
  private readonly logger = new Logger('HybridScheduler:PrefectTier');
  readonly settings?: PrefectSettings;
  readonly client?: PrefectClient;
  private readonly deps: PrefectDeployments;
  private registration?: PrefectRegistration;
  private poolRestore?: PrefectPoolRestore;
  private shipper?: PrefectLogShipper;
  worker?: PrefectWorker;
  private view?: PrefectJobsView;
  private started = false;
  /** When Prefect answered again after being down at boot (ticks before it ran on the fallback tier). */
  private recoveredAt?: Date;
  private stopWatch?: () => Promise<void>;

  constructor(
    @Inject(HYBRID_SCHEDULER_OPTIONS) private readonly options: ResolvedModuleOptions,
    private readonly registry: JobRegistry,
    private readonly runner: TaskRunner,
  ) {
    this.deps = new PrefectDeployments(registry);
    if (!options.prefect) return;
    this.settings = options.prefect;
    const s = this.settings;
    this.client = new PrefectClient({
      apiUrl: s.apiUrl,
      apiKey: s.apiKey,
      authString: s.authString,
      timeoutMs: s.requestTimeoutMs,
    });
    this.registration = new PrefectRegistration(this.client, s.workPool);
    this.shipper = new PrefectLogShipper(this.client);
    const executor = new PrefectRunExecutor(this.client, runner, registry, this.shipper, s.workerName);
    const lateRuns = new PrefectLateRuns(this.client, registry, s.lateRunGraceMs);
    this.worker = new PrefectWorker(this.client, executor, { ...s }, (id) => this.deps.byId(id), lateRuns);
    this.view = new PrefectJobsView(this.client, registry);
    this.poolRestore = new PrefectPoolRestore(
      this.registration,
      () => this.deps.all(),
      (entry) => this.registerDeployment(entry),
      { workPool: s.workPool, workQueues: s.workQueues ?? [], minIntervalMs: s.heartbeatIntervalMs },
    );
  }

  async probe(): Promise<TierAvailability> {
    if (!this.client) return { available: false, reason: 'prefect.apiUrl is not set' };
    try {
      await this.client.health(Math.min(this.settings!.requestTimeoutMs, 5_000));
      await this.registration!.ensureWorkPool(true); // an authenticated call: /health is exempt from basic auth
      return { available: true };
    } catch (error) {
      return { available: false, reason: redactedMessage(error) };
    }
  }

  /** Keeps probing (every `reconnectIntervalMs`) until Prefect answers, then calls `onAvailable` until it resolves true. */
  watchAvailability(onAvailable: () => Promise<boolean>): () => void {
    return watchPrefect(() => this.probe(), onAvailable, {
      everyMs: this.settings?.reconnectIntervalMs ?? 10_000,
      apiUrl: this.client?.apiUrl ?? '',
      logger: this.logger,
      // Runs due before the first answer were covered by the fallback tier.
      onFirstAnswer: () => (this.recoveredAt ??= new Date()),
    });
  }

  register(task: TaskDefinition): void {
    const entry = this.add(task);
    if (!this.started) return;
    // Moved here after the start (it stayed on its fallback tier until now): runs due before now ran there.
    entry.skipScheduledBefore = new Date();
    void this.registerDeployment(entry).catch((error) =>
      this.logger.warn(
        `Registering deployment "${task.name}" failed: ${redactedMessage(error)}; tried again at the next deployment check`,
      ),
    );
  }

  async start(): Promise<void> {
    await this.registration!.ensureWorkPool();
    await this.registration!.ensureQueues(this.settings!.workQueues ?? []);
    for (const entry of this.deps.all()) await this.registerDeployment(entry);
    this.shipper!.start();
    if (!this.settings!.registerOnly) {
      await this.worker!.start({
        queues: () => this.deps.queues(this.settings!.workQueues),
        deploymentIds: () => this.deps.all().map((e) => e.deploymentId),
        workPoolMissing: (why) => void this.poolRestore!.restore(why),
      });
    }
    this.started = true;
    this.stopWatch = this.deps.watch(
      this.client!,
      (e) => this.registerDeployment(e),
      (why) => this.poolRestore!.restore(why),
      this.settings!.heartbeatIntervalMs,
    );
    this.logger.log(
      `Registered ${this.deps.size} deployment(s) in work pool "${this.settings!.workPool}" at ${redact(this.client!.apiUrl)}`,
    );
  }

  async stopTriggers(): Promise<void> {
    this.worker?.stopClaiming();
  }

  async shutdown(): Promise<void> {
    await this.stopWatch?.();
    this.stopWatch = undefined;
    await this.worker?.shutdown(this.settings?.shutdownTimeoutMs ?? 0);
    await this.shipper?.stop();
    this.started = false;
  }

  async health(): Promise<TierHealth> {
    return this.view!.health(this.settings!, this.worker!, this.started);
  }

  async trigger(id: string): Promise<TriggerResult> {
    const ref = await this.runDeployment(this.entryOf(id).task.name);
    return { jobId: id, status: 'scheduled', id: ref.flowRunId };
  }

  async pause(id: string): Promise<void> {
    const { deploymentId } = this.entryOf(id);
    await this.guard(`pause ${id}`, () => this.client!.updateDeployment(deploymentId, { paused: true }));
  }

  async resume(id: string): Promise<void> {
    const { deploymentId } = this.entryOf(id);
    await this.guard(`resume ${id}`, () => this.client!.updateDeployment(deploymentId, { paused: false }));
  }

  /** Stops serving the deployment in this process (it stays in Prefect). */
  async remove(id: string): Promise<void> {
    this.entryOf(id);
    this.deps.remove(id);
  }

  async refresh(ids: string[]): Promise<void> {
    await this.view!.refresh(
      ids.map((id) => this.deps.get(id)).filter((e): e is DeploymentEntry => !!e?.deploymentId),
      this.worker?.connection.downSince,
    );
  }

  /** The deployment's flow runs that started, from Prefect (whichever worker ran them). */
  async recentRuns(id: string, limit: number): Promise<RecentRuns> {
    const { deploymentId } = this.entryOf(id);
    const runs = await this.guard(`recentRuns("${id}")`, () =>
      prefectRecentRuns(this.client!, deploymentId, limit),
    );
    return { jobId: id, keptBy: 'prefect', runs };
  }

  /**
   * The flow runs of this app's registered deployments by state (one Prefect read per deployment); fails at
   * once, without a request, while Prefect is known to be down.
   */
  async flowRunCounts(): Promise<FlowRunCount[]> {
    const downSince = this.worker?.connection.downSince;
    if (downSince)
      throw new TierUnavailableError(
        `Cannot read flow-run counts: Prefect at ${redact(this.client!.apiUrl)} is down since ${downSince.toISOString()}`,
        { engine: 'prefect', address: redact(this.client!.apiUrl) },
      );
    const registered = this.deps.all().filter((e) => e.deploymentId);
    return readFlowRunCounts(this.client!, registered, Math.min(this.settings!.requestTimeoutMs, 5_000));
  }

  deployments(): string[] {
    return this.deps.names();
  }

  async runDeployment(
    deployment: string,
    parameters: Record<string, unknown> = {},
    options: { idempotencyKey?: string; scheduledAt?: Date } = {},
  ): Promise<FlowRunRef> {
    const entry = this.entryOf(jobId('prefect', deployment));
    const { run, created } = await this.guard(`run deployment ${deployment}`, () =>
      this.client!.createFlowRun(entry.deploymentId, {
        parameters,
        ...(options.idempotencyKey ? { idempotency_key: options.idempotencyKey } : {}),
        ...(options.scheduledAt
          ? {
              state: {
                type: 'SCHEDULED',
                name: 'Scheduled',
                state_details: { scheduled_time: options.scheduledAt.toISOString() },
              },
            }
          : {}),
      }),
    );
    return {
      flowRunId: run.id,
      name: run.name,
      deploymentId: entry.deploymentId,
      jobId: entry.jobId,
      state: run.state?.type ?? run.state_type ?? 'SCHEDULED',
      created,
    };
  }

  /** Registers a deployment at runtime (validated like `@PrefectDeployment`); this process's worker serves it. */
  async scheduleDeployment(options: PrefectDeploymentOptions, handler: TaskHandler): Promise<string> {
    const location = {
      className: 'dynamic',
      methodName: options.flow ?? options.name ?? 'dynamic',
      dynamic: true,
    };
    const task = prefectDeploymentDefinition(options, location, handler, this.options.internal.timeZone);
    this.add(task);
    const id = jobId('prefect', task.name);
    if (this.started) {
      try {
        await this.registerDeployment(this.deps.entryOf(id));
      } catch (error) {
        this.deps.remove(id);
        throw error;
      }
    }
    return id;
  }

  private add(task: TaskDefinition): DeploymentEntry {
    return this.deps.add(this.registry.add(this, task).id, task);
  }

  private registerDeployment(entry: DeploymentEntry): Promise<void> {
    return this.deps.register(
      entry,
      this.registration!,
      this.settings!.workQueues?.[0] ?? null,
      entry.skipScheduledBefore ?? this.recoveredAt,
    );
  }

  /** Bounds a call that needs Prefect by `unavailableTimeoutMs` while Prefect is known to be down. */
  private guard<T>(action: string, op: () => Promise<T>): Promise<T> {
    return guardEngine(this.worker?.connection.watch, this.options.unavailableTimeoutMs, action, op);
  }

  private entryOf(id: string): DeploymentEntry {
    return this.deps.entryOf(id);
  }
}
