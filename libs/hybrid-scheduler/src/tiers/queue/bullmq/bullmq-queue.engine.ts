import { Logger } from '@nestjs/common';
import { DeadLetterNotFoundError, TaskCancelledError, WorkflowNotFoundError } from '../../../errors/index.js';
import { settleWithin } from '../../../common/settle-within.js';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { BullMqProviderOptions } from '../../../config/module-options.js';
import type {
  DeadLetter,
  EnqueueOptions,
  RecentRun,
  TierAvailability,
  TierHealth,
} from '../../../interfaces/index.js';
import type {
  EnqueuedJob,
  JobProcessor,
  EngineEvents,
  EngineWorkflow,
  QueueEngine,
  JobHeaders,
} from '../queue-engine.interface.js';
import { queueJobId } from '../../../registry/job-id.js';
import { redactDeep } from '../../../common/redact.js';
import { createRedis, probeRedis, redisAddress, redisOutage, redisReady } from '../redis/redis-connection.js';
import { removeScheduler, syncSchedulers } from './bullmq-schedulers.js';
import { BullMqSchedulerWatch } from './bullmq-scheduler.watch.js';
import { BullMqWorkflow } from './bullmq-workflow.js';
import { bullMqRecentRuns } from './bullmq-history.js';
import { keyPrefixOf } from '../../../common/key-prefix.js';

/** How long start() waits for the worker connections to be ready. */
const START_READY_MS = 5_000;

const toDeadLetter = (workflow: string, job: Job): DeadLetter => ({
  id: queueJobId(workflow, String(job.id)),
  workflow,
  payload: job.data,
  error: job.failedReason ?? 'failed',
  stack: job.stacktrace?.[job.stacktrace.length - 1] ?? undefined,
  attempts: job.attemptsMade,
  enqueuedAt: new Date(job.timestamp),
  failedAt: new Date(job.finishedOn ?? job.processedOn ?? job.timestamp),
});

/**
 * Queues on BullMQ 6 + ioredis. Queue name = workflow name, key prefix `queue.bullmq.prefix` (default
 * `hybrid`), job data = the payload. One producer connection for all queues, one command connection per
 * worker (BullMQ duplicates it for its blocking reads).
 */
/** How long each closing step may wait on Redis once the handlers are done, before its connections are cut. */
const CLOSE_GRACE_MS = 5000;

const inFlightOf = (workflows: BullMqWorkflow[]) => workflows.flatMap((w) => [...w.inFlight]);

export class BullMqQueueEngine implements QueueEngine {
  readonly name = 'bullmq' as const;
  private readonly logger = new Logger('HybridScheduler:BullMQ');
  private readonly workflows = new Map<string, BullMqWorkflow>();
  private readonly shutdown = new AbortController();
  private producer?: Redis;
  /** One command connection per worker, as BullMQ workers under load want (BullMQ adds a blocking one each). */
  private readonly workerConnections = new Map<string, Redis>();
  private consuming = false;
  private watch?: BullMqSchedulerWatch;

  constructor(
    private readonly options: BullMqProviderOptions,
    /** How long removeWorkflow() lets a running job finish (the queue tier's shutdownTimeoutMs). */
    private readonly drainMs = 30_000,
  ) {}

  private get address(): string {
    return redisAddress(this.options.connection);
  }

  async probe(): Promise<TierAvailability> {
    const problem = await probeRedis(this.options.connection);
    return problem ? { available: false, reason: `bullmq: ${problem}` } : { available: true };
  }

  addWorkflow(workflow: EngineWorkflow, processor: JobProcessor, events: EngineEvents): void {
    this.producer ??= createRedis(this.options.connection, 'bullmq producer');
    this.workflows.set(
      workflow.name,
      new BullMqWorkflow(
        workflow,
        processor,
        events,
        this.producer,
        this.options,
        this.shutdown.signal,
        redisOutage(this.options.connection),
      ),
    );
  }

  async start(consume: boolean): Promise<void> {
    this.producer ??= createRedis(this.options.connection, 'bullmq producer');
    const all = [...this.workflows.values()];
    await syncSchedulers(this.producer, keyPrefixOf(this.options), all);
    this.watch = new BullMqSchedulerWatch(this.producer, keyPrefixOf(this.options), () => [
      ...this.workflows.values(),
    ]);
    this.watch.start();
    if (!consume) return;
    for (const w of all) {
      const connection = createRedis(this.options.connection, `bullmq worker ${w.workflow.name}`, {
        maxRetriesPerRequest: null,
      });
      this.workerConnections.set(w.workflow.name, connection);
      w.createWorker(connection);
    }
    for (const w of all) w.start();
    // Health says `up` right after start: the workers' connections (and their blocking ones) finish their
    // handshake a moment later. Bounded: a Redis that stops answering meanwhile leaves health degraded.
    await settleWithin(
      [
        redisReady(this.producer),
        ...[...this.workerConnections.values()].map(redisReady),
        ...all.map((w) => w.worker?.waitUntilReady() ?? Promise.resolve()),
      ],
      START_READY_MS,
    );
    this.consuming = true;
    this.logger.log(
      `Consuming ${all.length} workflow(s) from Redis at ${this.address} (prefix "${keyPrefixOf(this.options)}")`,
    );
  }

  async stopConsuming(): Promise<void> {
    this.watch?.stop();
    // Stop fetching; the jobs already running keep their locks and finish in close().
    await Promise.all([...this.workflows.values()].map((w) => w.worker?.pause(true)));
  }

  async close(drainMs: number): Promise<void> {
    this.watch?.stop();
    const all = [...this.workflows.values()];
    const workers = all.flatMap((w) => (w.worker ? [w.worker] : []));
    const closing = Promise.all(workers.map((w) => w.close()));
    // The drain time is for the running handlers (workers are paused: no new ones start); the workers' close
    // also writes their completions to Redis, which gets the grace below.
    if (!(await settleWithin(inFlightOf(all), drainMs))) {
      this.logger.warn(
        `Shutdown timeout (${drainMs}ms) reached; aborting running jobs and handing them back to the queue (no attempt is used)`,
      );
      this.shutdown.abort(new TaskCancelledError('application shutdown: the job goes back to the queue'));
      // Let the aborted handlers hand their jobs back (moveToDelayed) before the connections go.
      await settleWithin(inFlightOf(all), 1000);
    }
    // A close still pending now waits on a connection that is not back (seen: the blocking connection still
    // reconnecting after a Redis restart, forever). close(true) would return that same pending close, so the
    // workers' connections are cut instead: a job it did not complete is redelivered by the stalled check.
    if (!(await settleWithin([closing], CLOSE_GRACE_MS))) {
      this.logger.warn(`Workers still closing after ${CLOSE_GRACE_MS}ms more; disconnecting them from Redis`);
      await settleWithin(
        workers.map((w) => w.disconnect()),
        CLOSE_GRACE_MS,
      );
    }
    if (!(await settleWithin([Promise.all(all.map((w) => w.queue.close()))], CLOSE_GRACE_MS)))
      await settleWithin(
        all.map((w) => w.queue.disconnect()),
        CLOSE_GRACE_MS,
      );
    for (const client of [...this.workerConnections.values(), this.producer]) {
      if (!client) continue;
      const quitting = client.quit().catch(() => client.disconnect());
      if (!(await settleWithin([quitting], CLOSE_GRACE_MS))) client.disconnect();
    }
    this.workerConnections.clear();
  }

  async removeWorkflow(workflow: string): Promise<void> {
    const w = this.get(workflow);
    this.workflows.delete(workflow);
    if (this.producer) await removeScheduler(this.producer, keyPrefixOf(this.options), w.queue, workflow);
    // A running job gets the shutdown timeout to finish; then it is handed back like at shutdown.
    if (w.worker && !(await settleWithin([w.worker.close()], this.drainMs))) await w.worker.close(true);
    await w.queue.close();
    const connection = this.workerConnections.get(workflow);
    this.workerConnections.delete(workflow);
    await connection?.quit().catch(() => connection.disconnect());
  }

  enqueue(
    workflow: string,
    payload: unknown,
    options: EnqueueOptions,
    headers?: JobHeaders,
  ): Promise<EnqueuedJob> {
    // Not async (one promise turn less on the enqueue path); a sync throw becomes a rejection in guardEngine.
    return this.get(workflow).enqueue(payload, options, headers);
  }

  async deadLetters(workflow: string): Promise<DeadLetter[]> {
    const jobs = await this.get(workflow).queue.getFailed(0, -1);
    return jobs.filter(Boolean).map((job) => toDeadLetter(workflow, job));
  }

  async retryDeadLetter(workflow: string, jobKey: string): Promise<EnqueuedJob> {
    const job = await this.get(workflow).queue.getJob(jobKey);
    if (!job || !(await job.isFailed())) throw new DeadLetterNotFoundError(queueJobId(workflow, jobKey));
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return { jobKey, created: true };
  }

  async purgeDeadLetters(workflow: string): Promise<number> {
    const removed = await this.get(workflow).queue.clean(0, 0, 'failed');
    return removed.length;
  }

  async recentRuns(workflow: string, limit: number): Promise<RecentRun[]> {
    return bullMqRecentRuns(this.get(workflow).queue, workflow, limit);
  }

  async counts(workflow: string): Promise<Record<string, number>> {
    const c = await this.get(workflow).queue.getJobCounts(
      'wait',
      'prioritized',
      'active',
      'delayed',
      'failed',
      'completed',
    );
    return {
      waiting: (c.wait ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      failed: c.failed ?? 0,
      dead: c.failed ?? 0,
      completed: c.completed ?? 0,
    };
  }

  async nextRunAt(workflow: string): Promise<Date | null> {
    const scheduler = await this.get(workflow).queue.getJobScheduler(workflow);
    return scheduler?.next ? new Date(scheduler.next) : null;
  }

  async pause(workflow: string): Promise<void> {
    await this.get(workflow).queue.pause();
  }

  async resume(workflow: string): Promise<void> {
    await this.get(workflow).queue.resume();
  }

  /** The queue's own flag: a pause made by any replica (or by bull-board) holds for all. */
  pausedInEngine(workflow: string): Promise<boolean> {
    return this.get(workflow).queue.isPaused();
  }

  async health(): Promise<TierHealth> {
    const status = this.producer?.status ?? 'not connected';
    const workerStatuses = [...this.workerConnections.values()].map((c) => c.status);
    const workerStatus = workerStatuses.find((s) => s !== 'ready') ?? workerStatuses[0];
    const ok = status === 'ready' && (!workerStatus || workerStatus === 'ready');
    const outage = redisOutage(this.options.connection);
    const why = outage.lastReason ?? `is ${status}; reconnecting`;
    return {
      status: ok ? 'up' : 'degraded',
      details: redactDeep({
        provider: 'bullmq',
        address: this.address,
        redis: status,
        ...(workerStatus ? { workerRedis: workerStatus } : {}),
        consuming: this.consuming,
        workflows: this.workflows.size,
        ...(ok ? {} : { reason: `Redis at ${this.address} ${why}` }),
        ...(outage.downSince ? { downSince: outage.downSince.toISOString() } : {}),
      }),
    };
  }

  private get(workflow: string): BullMqWorkflow {
    const w = this.workflows.get(workflow);
    if (!w) throw new WorkflowNotFoundError(workflow, [...this.workflows.keys()]);
    return w;
  }
}
