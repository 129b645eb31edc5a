import { DeploymentNotFoundError } from '../../errors/index.js';
import type { TaskDefinition } from '../../interfaces/index.js';
import type { JobRegistry } from '../../registry/job.registry.js';
import type { PrefectRegistration } from './prefect.registration.js';
import type { DeploymentEntry } from './prefect-worker.types.js';

/**
 * The deployments this process declares and serves: by job id (`prefect:<flow>/<name>`) and, once registered,
 * by Prefect deployment id (what the worker looks runs up by). Registering one writes its ids into `listJobs()`.
 */
export class PrefectDeployments {
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

  /** The queues to poll: the configured ones, else those of the deployments served here (never other apps'). */
  queues(configured?: string[]): string[] {
    if (configured?.length) return configured;
    return [...new Set([...this.byDeploymentId.values()].map((e) => e.workQueueName ?? 'default'))];
  }
}
