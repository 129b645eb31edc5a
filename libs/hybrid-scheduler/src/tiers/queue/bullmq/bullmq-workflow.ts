import { Logger } from '@nestjs/common';
import type { OutageLog } from '../../../common/outage-log.js';
import { redactedMessage } from '../../../common/redact.js';
import type { Job, JobsOptions, Queue, Worker } from 'bullmq';
import { bullmq } from './bullmq.module-loader.js';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import type { EnqueueOptions } from '../../../interfaces/index.js';
import type { BullMqProviderOptions } from '../../../config/module-options.js';
import { retryDelayMs } from '../backoff.delay.js';
import type {
  DeliveredJob,
  EnqueuedJob,
  JobProcessor,
  EngineEvents,
  EngineWorkflow,
  JobHeaders,
} from '../queue-engine.interface.js';
import { lateTick } from './bullmq-ticks.js';
import { BullMqAddBatch } from './bullmq-add-batch.js';
import { headersOf, telemetryOptions } from './bullmq-headers.js';
import { keyPrefixOf } from '../../../common/key-prefix.js';

/** Completed jobs kept for inspection; older ones are trimmed so Redis memory stays flat. */
export const KEEP_COMPLETED = { age: 3600, count: 1000 };
/** Custom backoff type used when `maxDelayMs` caps the delay (BullMQ's built-in strategies have no cap). */
const CAPPED = 'hybrid-capped';

/**
 * One workflow on BullMQ: a Queue named after the workflow (job data = the payload, so plain BullMQ producers
 * can enqueue) and, on worker replicas, a Worker created with `autorun: false` and started with the app.
 * Failed jobs are never removed: BullMQ's failed set is the workflow's dead-letter queue.
 */
export class BullMqWorkflow {
  readonly queue: Queue;
  worker?: Worker;
  private readonly logger: Logger;
  private readonly jobDefaults: JobsOptions;
  private readonly adds: BullMqAddBatch;

  constructor(
    readonly workflow: EngineWorkflow,
    private readonly processor: JobProcessor,
    readonly events: EngineEvents,
    private readonly producer: Redis,
    private readonly options: BullMqProviderOptions,
    private readonly shutdown: AbortSignal,
    /** The Redis server's outage log: queue and worker errors repeat their connection's, so they are only noted. */
    private readonly outage: OutageLog,
  ) {
    this.logger = new Logger(`HybridScheduler:BullMQ:${workflow.name}`);
    const { backoff } = workflow;
    this.jobDefaults = {
      attempts: workflow.attempts,
      // Only with retries: a single attempt never backs off, and every job would carry (and every fetch parse) it.
      ...(workflow.attempts > 1
        ? {
            backoff:
              backoff.maxDelayMs !== undefined
                ? { type: CAPPED, delay: backoff.delayMs }
                : { type: backoff.type, delay: backoff.delayMs },
          }
        : {}),
      removeOnFail: workflow.deadLetter ? false : true,
    };
    this.queue = new (bullmq().Queue)(workflow.name, {
      connection: producer,
      prefix: this.prefix,
      defaultJobOptions: this.jobDefaults,
    });
    this.queue.on('error', (error) => this.outage.note(`queue ${workflow.name}: ${error.message}`));
    this.adds = new BullMqAddBatch(this.queue, workflow.name);
  }

  get prefix(): string {
    return keyPrefixOf(this.options);
  }

  get jobOptions(): JobsOptions {
    return this.jobDefaults;
  }

  createWorker(connection: Redis): void {
    const { workflow } = this;
    this.worker = new (bullmq().Worker)(
      workflow.name,
      (job: Job, token?: string) => this.track(this.process(job, token)),
      {
        connection,
        prefix: this.prefix,
        autorun: false,
        concurrency: workflow.concurrency,
        limiter: workflow.rateLimit
          ? { max: workflow.rateLimit.max, duration: workflow.rateLimit.durationMs }
          : undefined,
        removeOnComplete: KEEP_COMPLETED,
        // Only when set: an explicit undefined would override BullMQ's defaults.
        ...(this.options.lockDurationMs ? { lockDuration: this.options.lockDurationMs } : {}),
        ...(this.options.stalledIntervalMs ? { stalledInterval: this.options.stalledIntervalMs } : {}),
        settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(workflow.backoff, attemptsMade) },
      },
    );
    // Without a listener an `error` event would throw; BullMQ retries its connection on its own.
    this.worker.on('error', (error) => this.outage.note(`worker ${workflow.name}: ${error.message}`));
  }

  start(): void {
    if (!this.worker) return;
    this.worker.run().catch((error: Error) => this.logger.error(`Worker stopped: ${redactedMessage(error)}`));
  }

  /** Not async: the job reaches the add batch in the caller's turn (no promise turn before the flush). */
  enqueue(payload: unknown, options: EnqueueOptions, headers?: JobHeaders): Promise<EnqueuedJob> {
    const delay = options.runAt ? Math.max(0, options.runAt.getTime() - Date.now()) : options.delayMs;
    const telemetry = telemetryOptions(headers);
    // Adds made in the same tick go to Redis as one addBulk (bullmq-add-batch.ts).
    if (!options.idempotencyKey) {
      // Only the options given: BullMQ merges them into the queue's defaults per job.
      const opts: JobsOptions = {};
      if (delay !== undefined) opts.delay = delay;
      if (options.priority !== undefined) opts.priority = options.priority;
      if (telemetry) opts.telemetry = telemetry;
      return this.adds.add(payload, opts).then((job) => ({ jobKey: String(job.id), created: true }));
    }
    // Deduplication returns the id of the job that holds the key, so a different id means nothing was created.
    const jobId = randomUUID();
    return this.adds
      .add(payload, {
        delay,
        priority: options.priority,
        jobId,
        deduplication: { id: options.idempotencyKey },
        telemetry,
      })
      .then((job) => ({ jobKey: String(job.id), created: job.id === jobId }));
  }

  /** Handler calls still settling; shutdown waits for them after aborting, before it force-closes the worker. */
  readonly inFlight = new Set<Promise<void>>();

  private track(run: Promise<void>): Promise<void> {
    this.inFlight.add(run);
    const forget = () => void this.inFlight.delete(run);
    void run.then(forget, forget);
    return run;
  }

  private async process(job: Job, token?: string): Promise<void> {
    const maxAttempts = job.opts.attempts ?? 1;
    const scheduledAt = dueAt(job);
    const delivered: DeliveredJob = {
      jobKey: String(job.id),
      workflow: this.workflow.name,
      payload: job.data,
      attempt: job.attemptsMade + 1,
      enqueuedAt: new Date(job.timestamp),
      scheduledAt,
      maxAttempts,
      headers: headersOf(job),
    };
    if (job.repeatJobKey && scheduledAt && !lateTick(this.workflow, scheduledAt, this.events)) return;
    try {
      await this.processor(delivered, this.shutdown);
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      if (this.shutdown.aborted && token) {
        // Aborted by our own shutdown, not by the job: put it back for another replica without using an attempt.
        // If the connection is already gone, the job keeps its lock until it expires and BullMQ's stalled check retries it.
        await job.moveToDelayed(Date.now(), token).catch(() => undefined);
        throw new (bullmq().DelayedError)('application shutdown');
      }
      if (delivered.attempt < maxAttempts) {
        this.events.retrying(delivered, failure, retryDelayMs(this.workflow.backoff, delivered.attempt));
      } else if (job.opts.removeOnFail !== true) {
        this.events.deadLettered(delivered, failure);
      }
      throw failure;
    }
  }
}

/**
 * When a delayed job or scheduler tick was due. A tick's id carries it (`repeat:<scheduler>:<due ms>`), which
 * stays true when a shutdown handed the tick back (`moveToDelayed` rewrites its delay, so timestamp + delay
 * then gave the hand-back time); otherwise `opts.delay` (kept on promotion, where `job.delay` is reset).
 */
function dueAt(job: Job): Date | undefined {
  const tickDue = job.repeatJobKey ? /:(\d+)$/.exec(String(job.id))?.[1] : undefined;
  if (tickDue) return new Date(Number(tickDue));
  const delay = job.opts.delay ?? 0;
  return delay > 0 || job.repeatJobKey ? new Date(job.timestamp + delay) : undefined;
}
