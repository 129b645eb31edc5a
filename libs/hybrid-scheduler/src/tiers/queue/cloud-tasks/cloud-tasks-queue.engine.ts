import { Logger } from '@nestjs/common';
import { DeadLetterNotFoundError } from '../../../errors/index.js';
import type { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import type { CloudTasksClient } from '@google-cloud/tasks';
import type { CloudTasksProviderOptions } from '../../../config/module-options.js';
import type {
  DeadLetter,
  EnqueueOptions,
  PayloadClass,
  TierAvailability,
  TierHealth,
} from '../../../interfaces/index.js';
import { JobRegistry } from '../../../registry/job.registry.js';
import type { DeadLetterStore } from '../dead-letter-store.interface.js';
import type {
  EnqueuedJob,
  JobProcessor,
  EngineEvents,
  EngineWorkflow,
  QueueEngine,
} from '../queue-engine.interface.js';
import { DEFAULT_QUEUE_RETRY, durationToMs, queueConfigFor, type QueueRetry } from './cloud-tasks-backoff.js';
import { createCloudTasksClient, createOidcClient, GRPC, grpcCode } from './cloud-tasks.client.js';
import { CloudTasksEnqueuer, hashedTaskId } from './cloud-tasks.enqueuer.js';
import { CloudTasksOidcVerifier } from './cloud-tasks-oidc.verifier.js';
import { CloudTasksPushHandler, type PushTarget } from './cloud-tasks-push.handler.js';
import { mountPushRoute } from './cloud-tasks-push.route.js';
import { CloudTasksSchedule } from './cloud-tasks.schedule.js';
import { cloudTasksSettings, type CloudTasksSettings } from './cloud-tasks.settings.js';

export interface CloudTasksProviderDeps {
  deadLetters: DeadLetterStore;
  httpAdapterHost?: HttpAdapterHost;
  moduleRef?: ModuleRef;
  /** Whether this process consumes (role `worker`): only then is the push endpoint mounted. */
  worker: boolean;
  healthTimeoutMs?: number;
}

/**
 * Cloud Tasks behind the queue tier: jobs become HTTP tasks created with the official client; Cloud Tasks
 * pushes them back to this app's own OIDC-protected endpoint, where they run through the TaskRunner.
 */
export class CloudTasksQueueEngine implements QueueEngine {
  readonly name = 'cloud-tasks' as const;
  private readonly logger = new Logger('HybridScheduler:CloudTasks');
  private readonly settings: CloudTasksSettings;
  private readonly targets = new Map<string, PushTarget>();
  private readonly schedules = new Map<string, CloudTasksSchedule>();
  private readonly paused = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly abort = new AbortController();
  private client?: CloudTasksClient;
  private enqueuer?: CloudTasksEnqueuer;
  private retry: QueueRetry = DEFAULT_QUEUE_RETRY;
  private accepting = false;
  private mounted = false;

  constructor(
    options: CloudTasksProviderOptions,
    private readonly deps: CloudTasksProviderDeps,
  ) {
    this.settings = cloudTasksSettings(options);
  }

  /** Creates the client, checks the queue answers and mounts the push endpoint (this runs in onModuleInit). */
  async probe(): Promise<TierAvailability> {
    const { options, queuePath } = this.settings;
    if (this.deps.worker && !options.serviceAccountEmail) {
      return {
        available: false,
        reason:
          'queue.cloudTasks.serviceAccountEmail is required: the push endpoint only runs tasks whose OIDC token was minted for that account',
      };
    }
    if (this.deps.worker && !this.deps.httpAdapterHost?.httpAdapter) {
      return {
        available: false,
        reason:
          "Cloud Tasks pushes need an HTTP server: create the app with NestFactory.create(), not createApplicationContext(), or use roles: ['producer']",
      };
    }
    try {
      this.client ??= await createCloudTasksClient(options);
      this.enqueuer ??= new CloudTasksEnqueuer(this.client, this.settings);
      const [queue] = await this.client.getQueue(
        { name: queuePath },
        { timeout: this.deps.healthTimeoutMs ?? 5000 },
      );
      this.readRetry(queue.retryConfig);
    } catch (error) {
      const missing = grpcCode(error) === GRPC.NOT_FOUND;
      if (!(missing && options.ensureQueue)) {
        const where = options.emulator
          ? `the emulator at ${options.emulator.host}:${options.emulator.port}`
          : 'cloudtasks.googleapis.com';
        return {
          available: false,
          reason: missing
            ? `Cloud Tasks queue ${queuePath} does not exist (create it, or set queue.cloudTasks.ensureQueue)`
            : `GetQueue ${queuePath} on ${where} failed: ${(error as Error).message}`,
        };
      }
    }
    if (this.deps.worker && !this.mounted) {
      const verifier = new CloudTasksOidcVerifier(
        await createOidcClient(options),
        this.settings.audience,
        options.serviceAccountEmail!,
      );
      mountPushRoute(
        this.deps.httpAdapterHost!,
        this.settings.route,
        new CloudTasksPushHandler({
          verifier,
          target: (name) => this.targets.get(name),
          known: () => [...this.targets.keys()],
          dto: (name) => this.dtoOf(name),
          deadLetters: this.deps.deadLetters,
          queueRetry: () => this.retry,
          accepting: () => this.accepting,
          signal: this.abort.signal,
          track: (work) => this.track(work),
        }),
      );
      this.mounted = true;
    }
    return { available: true };
  }

  addWorkflow(workflow: EngineWorkflow, processor: JobProcessor, events: EngineEvents): void {
    this.targets.set(workflow.name, { workflow, processor, events });
    if (workflow.schedule.kind === 'every' || workflow.schedule.kind === 'cron') {
      this.schedules.set(workflow.name, new CloudTasksSchedule(workflow, this.requireEnqueuer()));
    }
  }

  async start(consume: boolean): Promise<void> {
    if (this.settings.options.ensureQueue) await this.ensureQueue();
    this.accepting = consume;
    await Promise.all([...this.schedules.values()].map((schedule) => schedule.start()));
  }

  async stopConsuming(): Promise<void> {
    this.accepting = false;
    for (const schedule of this.schedules.values()) schedule.stop();
  }

  async close(drainMs: number): Promise<void> {
    await this.stopConsuming();
    let timer: NodeJS.Timeout | undefined;
    const drained = Promise.allSettled([...this.inFlight]).then(() => true);
    const done = await Promise.race([
      drained,
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), drainMs))),
    ]);
    clearTimeout(timer);
    if (!done) this.abort.abort(new Error(`shutdown: still running after ${drainMs}ms`));
    await this.client?.close();
  }

  async removeWorkflow(workflow: string): Promise<void> {
    this.schedules.get(workflow)?.stop();
    this.schedules.delete(workflow);
  }

  async enqueue(workflow: string, payload: unknown, options: EnqueueOptions): Promise<EnqueuedJob> {
    const runAtMs = options.runAt
      ? options.runAt.getTime()
      : options.delayMs
        ? Date.now() + options.delayMs
        : undefined;
    const { taskId, created } = await this.requireEnqueuer().create({
      envelope: {
        workflow,
        payload,
        enqueuedAt: new Date().toISOString(),
        ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
      },
      taskId: options.idempotencyKey ? hashedTaskId('key', workflow, options.idempotencyKey) : undefined,
      runAtMs,
    });
    return { jobKey: taskId, created };
  }

  async deadLetters(workflow: string): Promise<DeadLetter[]> {
    return (await this.deps.deadLetters.list(workflow)).map(({ jobKey: _jobKey, ...letter }) => letter);
  }

  /** A new task (new name, retry count 0) with the same payload; the dead letter is removed once it exists. */
  async retryDeadLetter(workflow: string, jobKey: string): Promise<EnqueuedJob> {
    const letter = (await this.deps.deadLetters.list(workflow)).find((l) => l.jobKey === jobKey);
    if (!letter) throw new DeadLetterNotFoundError(`queue:${workflow}:${jobKey}`);
    const job = await this.enqueue(workflow, letter.payload, {});
    await this.deps.deadLetters.take(workflow, jobKey);
    return job;
  }

  async purgeDeadLetters(workflow: string): Promise<number> {
    return this.deps.deadLetters.purge(workflow);
  }

  /** Only what this process knows: Cloud Tasks queues are shared by workflows and task bodies are not listed. */
  async counts(workflow: string): Promise<Record<string, number>> {
    return { dead: await this.deps.deadLetters.count(workflow) };
  }

  async nextRunAt(workflow: string): Promise<Date | null> {
    return this.paused.has(workflow) ? null : (this.schedules.get(workflow)?.next ?? null);
  }

  /** Stops enqueuing this workflow's ticks; tasks already in Cloud Tasks still run (pause the queue for that). */
  async pause(workflow: string): Promise<void> {
    this.paused.add(workflow);
    const schedule = this.schedules.get(workflow);
    if (schedule) schedule.paused = true;
  }

  async resume(workflow: string): Promise<void> {
    this.paused.delete(workflow);
    const schedule = this.schedules.get(workflow);
    if (schedule) schedule.paused = false;
  }

  async health(): Promise<TierHealth> {
    const { queuePath } = this.settings;
    try {
      if (!this.client) throw new Error('client not created (probe failed)');
      const [queue] = await this.client.getQueue(
        { name: queuePath },
        { timeout: this.deps.healthTimeoutMs ?? 5000 },
      );
      const state = String(queue.state ?? 'UNKNOWN');
      return {
        status: state === 'RUNNING' ? 'up' : 'degraded',
        details: { queue: queuePath, state, inFlight: this.inFlight.size },
      };
    } catch (error) {
      return { status: 'down', details: { queue: queuePath, error: (error as Error).message } };
    }
  }

  private async ensureQueue(): Promise<void> {
    const config = queueConfigFor([...this.targets.values()].map((t) => t.workflow));
    const paths = ['retry_config', ...(config.rateLimits ? ['rate_limits.max_dispatches_per_second'] : [])];
    // UpdateQueue creates the queue when it is missing, so one call covers both cases.
    await this.client!.updateQueue({
      queue: {
        name: this.settings.queuePath,
        retryConfig: config.retryConfig,
        ...(config.rateLimits ? { rateLimits: config.rateLimits } : {}),
      },
      updateMask: { paths },
    });
    this.retry = config.retry;
    this.logger.log(
      `Queue ${this.settings.queuePath} ensured: backoff ${config.retry.minBackoffMs}ms..${config.retry.maxBackoffMs}ms` +
        (config.rateLimits ? `, ${config.rateLimits.maxDispatchesPerSecond}/s` : ''),
    );
  }

  private readRetry(
    retry: { minBackoff?: unknown; maxBackoff?: unknown; maxDoublings?: number | null } | null | undefined,
  ): void {
    this.retry = {
      minBackoffMs: durationToMs(retry?.minBackoff as never) ?? DEFAULT_QUEUE_RETRY.minBackoffMs,
      maxBackoffMs: durationToMs(retry?.maxBackoff as never) ?? DEFAULT_QUEUE_RETRY.maxBackoffMs,
      maxDoublings: retry?.maxDoublings ?? DEFAULT_QUEUE_RETRY.maxDoublings,
    };
  }

  /** The workflow's payload DTO, from the job registry (the provider only sees the engine-level workflow). */
  private dtoOf(workflow: string): PayloadClass | undefined {
    const registry = this.deps.moduleRef?.get(JobRegistry, { strict: false });
    const id = `queue:${workflow}`;
    return registry?.has(id) ? registry.get(id).task.queue?.payload : undefined;
  }

  private requireEnqueuer(): CloudTasksEnqueuer {
    if (!this.enqueuer)
      throw new Error(
        `Cloud Tasks provider used before probe() created its client (queue ${this.settings.queuePath})`,
      );
    return this.enqueuer;
  }

  private track<T>(work: Promise<T>): Promise<T> {
    const settled = work.catch(() => undefined);
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
    return work;
  }
}
