import { Logger } from '@nestjs/common';
import { DeploymentNotFoundError } from '../../errors/index.js';
import type { TaskDefinition } from '../../interfaces/index.js';
import type { JobRegistry } from '../../registry/job.registry.js';
import type { PrefectClient } from './prefect.client.js';
import type { PrefectRegistration } from './prefect.registration.js';
import type { DeploymentEntry } from './prefect-worker.types.js';
import { redactedMessage } from '../../common/redact.js';
import { isWorkPoolMissing } from './prefect.errors.js';
import { isOutage } from './prefect-connection.js';
import { DistinctWarnings } from '../../common/distinct-warnings.js';
import { settleWithin } from '../../common/settle-within.js';

/** How long stopping the deployment checks waits for one under way (its HTTP calls have their own timeouts). */
const STOP_WAIT_MS = 2000;

/**
 * The deployments this process declares and serves: by job id (`prefect:<flow>/<name>`) and, once registered,
 * by Prefect deployment id (what the worker looks runs up by). Registering one writes its ids into `listJobs()`.
 */
export class PrefectDeployments {
  private readonly logger = new Logger('HybridScheduler:PrefectTier');
  private readonly warnings = new DistinctWarnings(this.logger);
  private readonly entries = new Map<string, DeploymentEntry>();
  private readonly byDeploymentId = new Map<string, DeploymentEntry>();

  constructor(private readonly registry: JobRegistry) {}

  get size(): number {
    return this.entries.size;
  }

  add(jobId: string, task: TaskDefinition): DeploymentEntry {
    const options = task.prefect ?? { flow: task.name, name: 'default' };
    const entry = { task, jobId, deploymentId: '', flowName: options.flow!, deploymentName: options.name! };
    this.entries.set(jobId, entry);
    return entry;
  }

  all(): DeploymentEntry[] {
    return [...this.entries.values()];
  }

  names(): string[] {
    return this.all().map((e) => e.task.name);
  }

  get(jobId: string): DeploymentEntry | undefined {
    return this.entries.get(jobId);
  }

  byId(deploymentId: string): DeploymentEntry | undefined {
    return this.byDeploymentId.get(deploymentId);
  }

  /** The entry of a job id, or DeploymentNotFoundError listing the known ones. */
  entryOf(jobId: string): DeploymentEntry {
    const entry = this.entries.get(jobId);
    if (!entry) throw new DeploymentNotFoundError(jobId.replace(/^prefect:/, ''), this.names());
    return entry;
  }

  /** Stops serving it here (it stays in Prefect) and drops it from `listJobs()`. */
  remove(jobId: string): void {
    const entry = this.entries.get(jobId);
    this.entries.delete(jobId);
    if (entry) this.byDeploymentId.delete(entry.deploymentId);
    this.registry.remove(jobId);
  }

  /** Creates or updates it in Prefect; `defaultQueue` holds deployments without `workQueue` (null: the pool's). */
  async register(
    entry: DeploymentEntry,
    registration: PrefectRegistration,
    defaultQueue: string | null,
    skipScheduledBefore?: Date,
  ): Promise<void> {
    const registered = await registration.register(entry.task, defaultQueue);
    if (entry.deploymentId && entry.deploymentId !== registered.deploymentId)
      this.byDeploymentId.delete(entry.deploymentId);
    entry.deploymentId = registered.deploymentId;
    entry.workQueueName = registered.workQueueName;
    if (skipScheduledBefore) entry.skipScheduledBefore = skipScheduledBefore;
    this.byDeploymentId.set(registered.deploymentId, entry);
    const info = this.registry.info(entry.jobId);
    info.paused = registered.paused;
    info.details = { ...info.details, deploymentId: registered.deploymentId, flowId: registered.flowId };
  }

  /**
   * Every `everyMs`, one `POST /deployments/filter` for the registered ids; a deployment deleted in Prefect
   * behind the app's back is registered again, with a warning, and so is one not registered yet (moved here
   * after the start). Each on its own: one refusal does not keep the others out. A 404 for the work pool hands
   * over to `poolMissing` (which registers them all). Returns the function that stops the checks: a check
   * under way gives up its request (no retries) and registers and logs nothing more; stopping waits for it
   * (up to STOP_WAIT_MS), so that a closed app neither touches Prefect nor logs its last check's failure later.
   */
  watch(
    client: PrefectClient,
    reRegister: (entry: DeploymentEntry) => Promise<void>,
    poolMissing: (why: string) => Promise<void>,
    everyMs: number,
  ): () => Promise<void> {
    let checking: Promise<void> | undefined;
    const stop = new AbortController();
    const timer = setInterval(() => {
      checking ??= this.reRegisterMissing(client, reRegister, poolMissing, stop.signal).finally(
        () => (checking = undefined),
      );
    }, everyMs);
    timer.unref();
    return async () => {
      stop.abort();
      clearInterval(timer);
      if (checking) await settleWithin([checking], STOP_WAIT_MS);
    };
  }

  private async reRegisterMissing(
    client: PrefectClient,
    reRegister: (entry: DeploymentEntry) => Promise<void>,
    poolMissing: (why: string) => Promise<void>,
    stopped: AbortSignal,
  ): Promise<void> {
    const registered = this.all().filter((e) => e.deploymentId);
    let found: Set<string>;
    try {
      found = registered.length
        ? await client.filterDeployments(
            registered.map((e) => e.deploymentId),
            stopped,
          )
        : new Set();
      this.warnings.clear('check');
    } catch (error) {
      if (stopped.aborted) return;
      // Prefect unreachable: the worker loop reports that; the next check tries again.
      if (isOutage(error)) this.logger.debug(`Deployment check failed: ${redactedMessage(error)}`);
      else this.warnings.warn('check', `Deployment check failed: ${redactedMessage(error)}`);
      return;
    }
    const missing = this.all().filter((e) => !e.deploymentId || !found.has(e.deploymentId));
    for (const entry of missing) {
      if (stopped.aborted) return;
      if (!this.entries.has(entry.jobId)) continue; // removed meanwhile
      if (entry.deploymentId)
        this.warnings.warn(
          `deleted ${entry.jobId}`,
          `Deployment "${entry.task.name}" (${entry.deploymentId}) was deleted in Prefect; registering it again`,
        );
      try {
        await reRegister(entry);
        this.warnings.clear(entry.jobId);
        this.warnings.clear(`deleted ${entry.jobId}`); // deleted again later: warned again
      } catch (error) {
        if (stopped.aborted) return;
        if (isWorkPoolMissing(error)) return poolMissing(`registering "${entry.task.name}"`);
        if (isOutage(error)) return;
        this.warnings.warn(
          entry.jobId,
          `Registering deployment "${entry.task.name}" failed: ${redactedMessage(error)}; tried again at the next check`,
        );
      }
    }
  }

  /** The queues to poll: the configured ones, else those of the deployments served here (never other apps'). */
  queues(configured?: string[]): string[] {
    if (configured?.length) return configured;
    return [...new Set([...this.byDeploymentId.values()].map((e) => e.workQueueName ?? 'default'))];
  }
}
