import type { HttpAdapterHost } from '@nestjs/core';
import { DeadLetterNotFoundError } from '../../../errors/index.js';
import type { CloudTasksProviderOptions } from '../../../config/module-options.js';
import { settleWithin } from '../../../common/settle-within.js';
import type { DeadLetter, EnqueueOptions, TierAvailability, TierHealth } from '../../../interfaces/index.js';
import type { DeadLetterStore } from '../dead-letter-store.interface.js';
import type {
  EnqueuedJob,
  JobProcessor,
  EngineEvents,
  EngineWorkflow,
  QueueEngine,
  JobHeaders,
} from '../queue-engine.interface.js';
import type { EngineWatch } from '../../../common/engine-guard.js';
import { queueJobId } from '../../../registry/job-id.js';
import { CloudTasksConnection } from './cloud-tasks.connection.js';
import { hashedTaskId } from './cloud-tasks.enqueuer.js';
import type { PushTarget } from './cloud-tasks-push.handler.js';
import { CloudTasksPushEndpoint } from './cloud-tasks-push.endpoint.js';
import { CloudTasksSchedule } from './cloud-tasks.schedule.js';
import {
  cloudTasksSettings,
  MAX_SCHEDULE_AHEAD_MS,
  MAX_TASK_BODY_BYTES,
  type CloudTasksSettings,
} from './cloud-tasks.settings.js';

export interface CloudTasksProviderDeps {
  deadLetters: DeadLetterStore;
  httpAdapterHost?: HttpAdapterHost;
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
  /** The task body limit; the enqueuer checks it once more with the envelope around the payload. */
  readonly maxPayloadBytes = MAX_TASK_BODY_BYTES;
  /** Cloud Tasks refuses a scheduleTime more than 30 days ahead. */
  readonly maxDelayMs = MAX_SCHEDULE_AHEAD_MS;
  private readonly settings: CloudTasksSettings;
  private readonly connection: CloudTasksConnection;
  private readonly endpoint: CloudTasksPushEndpoint;
  private readonly targets = new Map<string, PushTarget>();
  private readonly schedules = new Map<string, CloudTasksSchedule>();
  private readonly paused = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly abort = new AbortController();
  private accepting = false;

  /** The API's outages, as CreateTask and GetQueue calls see them. */
  get outageWatch(): EngineWatch {
    return this.connection.outage.watch;
  }

  constructor(
    options: CloudTasksProviderOptions,
    private readonly deps: CloudTasksProviderDeps,
  ) {
    this.settings = cloudTasksSettings(options);
    this.connection = new CloudTasksConnection(
      this.settings,
      deps.healthTimeoutMs ?? 5000,
      this.abort.signal,
    );
    this.endpoint = new CloudTasksPushEndpoint(this.settings, {
      httpAdapterHost: deps.httpAdapterHost,
      deadLetters: deps.deadLetters,
      target: (name) => this.targets.get(name),
      known: () => [...this.targets.keys()],
      queueRetry: () => this.connection.retry,
      accepting: () => this.accepting,
      signal: this.abort.signal,
      track: (work) => this.track(work),
    });
  }

  /** Checks the queue answers; on worker replicas also mounts the push endpoint (this runs in onModuleInit). */
  async probe(): Promise<TierAvailability> {
    const problem = this.deps.worker ? this.endpoint.problem() : undefined;
    if (problem) return { available: false, reason: problem };
    const availability = await this.connection.probe();
    if (availability.available && this.deps.worker) await this.endpoint.mount();
    return availability;
  }

  addWorkflow(workflow: EngineWorkflow, processor: JobProcessor, events: EngineEvents): void {
    this.targets.set(workflow.name, { workflow, processor, events });
    if (workflow.schedule.kind === 'every' || workflow.schedule.kind === 'cron') {
      this.schedules.set(workflow.name, new CloudTasksSchedule(workflow, this.connection.enqueuer, events));
    }
  }

  async start(consume: boolean): Promise<void> {
    if (this.settings.options.ensureQueue)
      await this.connection.ensureQueue([...this.targets.values()].map((t) => t.workflow));
    this.accepting = consume;
    await Promise.all([...this.schedules.values()].map((schedule) => schedule.start()));
  }

  async stopConsuming(): Promise<void> {
    this.accepting = false;
    for (const schedule of this.schedules.values()) schedule.stop();
  }

  async close(drainMs: number): Promise<void> {
    await this.stopConsuming();
    if (!(await settleWithin(this.inFlight, drainMs)))
      this.abort.abort(new Error(`shutdown: still running after ${drainMs}ms`));
    await this.connection.close();
  }

  async removeWorkflow(workflow: string): Promise<void> {
    this.schedules.get(workflow)?.stop();
    this.schedules.delete(workflow);
  }

  async enqueue(
    workflow: string,
    payload: unknown,
    options: EnqueueOptions,
    headers?: JobHeaders,
  ): Promise<EnqueuedJob> {
    const runAtMs = options.runAt
      ? options.runAt.getTime()
      : options.delayMs
        ? Date.now() + options.delayMs
        : undefined;
    const { taskId, created } = await this.connection.enqueuer.create({
      envelope: {
        workflow,
        payload,
        enqueuedAt: new Date().toISOString(),
        ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
      },
      taskId: options.idempotencyKey ? hashedTaskId('key', workflow, options.idempotencyKey) : undefined,
      runAtMs,
      headers,
    });
    return { jobKey: taskId, created };
  }

  async deadLetters(workflow: string): Promise<DeadLetter[]> {
    return (await this.deps.deadLetters.list(workflow)).map(({ jobKey: _jobKey, ...letter }) => letter);
  }

  /** A new task (new name, retry count 0) with the same payload; the dead letter is removed once it exists. */
  async retryDeadLetter(workflow: string, jobKey: string): Promise<EnqueuedJob> {
    const letter = (await this.deps.deadLetters.list(workflow)).find((l) => l.jobKey === jobKey);
    if (!letter) throw new DeadLetterNotFoundError(queueJobId(workflow, jobKey));
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

  health(): Promise<TierHealth> {
    return this.connection.health(this.inFlight.size);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    const settled = work.catch(() => undefined);
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
    return work;
  }
}
