import type { EngineWatch } from '../../common/engine-guard.js';
import type {
  BackoffOptions,
  DeadLetter,
  EnqueueOptions,
  PayloadClass,
  QueueProviderName,
  RateLimitOptions,
  RecentRun,
  TaskSchedule,
  TierAvailability,
  TierHealth,
} from '../../interfaces/index.js';

/** What a provider needs to know about one workflow (validated options with defaults applied). */
export interface EngineWorkflow {
  name: string;
  attempts: number;
  backoff: BackoffOptions;
  concurrency: number;
  rateLimit?: RateLimitOptions;
  timeoutMs?: number;
  deadLetter: boolean;
  /** `none` for on-demand workflows; `every`/`cron` for recurring ones. */
  schedule: TaskSchedule;
  catchUp: 'skip' | 'once';
  /** Payload of jobs created by the schedule. */
  schedulePayload: Record<string, unknown>;
  /** The payload DTO, for engines that validate deliveries themselves (Cloud Tasks pushes from outside). */
  payload?: PayloadClass;
}

/**
 * Message headers that travel with a job from the producer to the run, whatever the replica: today the W3C trace
 * context (`traceparent`, `tracestate`) of the enqueue. Engines carry them as they can (BullMQ job options,
 * Cloud Tasks HTTP headers, AMQP/NATS message headers, memory: as given) and hand them back on delivery.
 */
export type JobHeaders = Readonly<Record<string, string>>;

/** One delivery of a job to this process. */
export interface DeliveredJob {
  /** Engine job id (BullMQ job id, Cloud Tasks task id, memory id). */
  jobKey: string;
  workflow: string;
  payload: unknown;
  /** 1 for the first try. */
  attempt: number;
  enqueuedAt: Date;
  /** When a scheduled tick or a delayed job was due. */
  scheduledAt?: Date;
  /** Total tries this job gets when it differs from the workflow's `attempts` (a job added by a plain producer). */
  maxAttempts?: number;
  /** The headers given to `enqueue()`, when the engine carried any. */
  headers?: JobHeaders;
}

/**
 * Runs the workflow's handler through the TaskRunner. Resolves on success; rejects with the handler's error
 * on failure (the provider then retries or dead-letters). `signal` aborts the run (shutdown, lock loss).
 */
export type JobProcessor = (job: DeliveredJob, signal?: AbortSignal) => Promise<void>;

/** Callbacks a provider uses to report what happened to jobs (they become JobEvents). */
export interface EngineEvents {
  retrying(job: DeliveredJob, error: Error, delayMs: number): void;
  deadLettered(job: DeliveredJob, error: Error): void;
  /** A recurring tick that never ran (no worker was up, or the catch-up policy dropped it). */
  missed(workflow: string, scheduledAt: Date, reason: string): void;
  /** `count` older ticks missed in the same gap, left out of the `missed` reports by MAX_REPORTED_MISSES. */
  missedUnreported(workflow: string, count: number, reason: string): void;
}

export interface EnqueuedJob {
  jobKey: string;
  /** False when an idempotency key matched an existing job. */
  created: boolean;
}

/** One queue engine behind the queue tier: memory, BullMQ or Cloud Tasks. Folder per provider. */
export interface QueueEngine {
  readonly name: QueueProviderName;
  /** The largest payload (bytes of its JSON) the engine itself takes; the tier checks it before enqueue. */
  readonly maxPayloadBytes?: number;
  /** How far ahead the engine schedules a job (delayMs, runAt), when less than the library's 365 days. */
  readonly maxDelayMs?: number;
  /**
   * The outage state of the engine's server, for an engine that tracks one: while it is down, the tier's calls
   * that need the engine fail with TierUnavailableError within `unavailableTimeoutMs` instead of hanging.
   */
  readonly outageWatch?: EngineWatch;
  /** Reachability at boot, naming the address on failure. */
  probe(): Promise<TierAvailability>;
  /** Called before `start()` for every workflow routed to this provider. */
  addWorkflow(workflow: EngineWorkflow, processor: JobProcessor, events: EngineEvents): void;
  /** Starts consuming when `consume` is true (role `worker`), and installs recurring schedules. */
  start(consume: boolean): Promise<void>;
  /** Stops taking new jobs; in-flight jobs keep running. */
  stopConsuming(): Promise<void>;
  /** Waits up to `drainMs` for in-flight jobs, then closes connections. */
  close(drainMs: number): Promise<void>;
  /**
   * Stops scheduling and consuming one workflow in this process and removes its recurring schedule from the
   * engine (used when a task moves back to a recovered tier, and by `removeJob`). Jobs already enqueued stay.
   */
  removeWorkflow(workflow: string): Promise<void>;
  /** `headers` (trace context) travel with the job and come back as `DeliveredJob.headers`. */
  enqueue(
    workflow: string,
    payload: unknown,
    options: EnqueueOptions,
    headers?: JobHeaders,
  ): Promise<EnqueuedJob>;
  deadLetters(workflow: string): Promise<DeadLetter[]>;
  /** Re-enqueues the dead-lettered job `jobKey` with attempts reset, and removes it from the dead letters. */
  retryDeadLetter(workflow: string, jobKey: string): Promise<EnqueuedJob>;
  purgeDeadLetters(workflow: string): Promise<number>;
  /**
   * The finished jobs the engine keeps (completed and failed), newest first, at most `limit`, with ids
   * `queue:<workflow>:<job key>`. Optional: an engine that drops a job once acknowledged (memory, NATS,
   * RabbitMQ, Cloud Tasks) leaves it out and `recentRuns()` says so.
   */
  recentRuns?(workflow: string, limit: number): Promise<RecentRun[]>;
  /** waiting, active, delayed, failed, dead (and anything else the engine knows). */
  counts(workflow: string): Promise<Record<string, number>>;
  nextRunAt(workflow: string): Promise<Date | null>;
  pause(workflow: string): Promise<void>;
  resume(workflow: string): Promise<void>;
  /**
   * Whether the workflow is paused in the engine, for an engine whose pause holds for every replica (BullMQ):
   * `listJobs()` then shows a pause made by another replica too. Absent where a pause is this process's own.
   */
  pausedInEngine?(workflow: string): Promise<boolean>;
  health(): Promise<TierHealth>;
}
