import { grpc } from 'google-gax';
import { randomInt } from 'node:crypto';
import { DEFAULT_RATE_LIMITS, durationMs, retriesExhausted, retryDelayMs, toDuration } from './backoff.js';
import type { DispatchRecord, QueueMessage, TaskMessage, Timestamp } from './emulator.types.js';
import { dispatchHttp } from './http.dispatch.js';
import { MESSAGES, RpcError } from './rpc-error.js';

export interface EngineOptions {
  /** Multiplies every retry backoff (0.01 turns a 1 s minBackoff into 10 ms). */
  timeScale: number;
  /** Multiplies every dispatch deadline. */
  deadlineScale: number;
  /** How long a finished or deleted task's name stays taken. */
  tombstoneTtlMs: number;
  mintToken: (serviceAccountEmail: string, audience: string) => string;
  onDispatch?: (record: DispatchRecord) => void;
}

interface TaskRecord {
  name: string;
  queueName: string;
  message: TaskMessage;
  dueAt: number;
  timer?: NodeJS.Timeout;
  state: 'waiting' | 'ready' | 'in-flight';
  firstAttemptAt?: number;
  previousResponse?: number | null;
}

interface QueueRecord {
  message: QueueMessage;
  inFlight: number;
  ready: TaskRecord[];
  tokens: number;
  refilledAt: number;
  pumpTimer?: NodeJS.Timeout;
}

export const toTimestamp = (ms: number): Timestamp => ({
  seconds: String(Math.floor(ms / 1000)),
  nanos: Math.round((ms % 1000) * 1e6),
});
const tsMs = (ts: Timestamp): number => Number(ts.seconds) * 1000 + (ts.nanos ?? 0) / 1e6;
const MAX_TIMER_MS = 2 ** 31 - 1;
const DEFAULT_DEADLINE_MS = 10 * 60 * 1000;

/** Queues, tasks, tombstones and the dispatch loop: schedule time, rate limits, retries with backoff. */
export class TaskEngine {
  readonly queues = new Map<string, QueueRecord>();
  readonly tasks = new Map<string, TaskRecord>();
  readonly tombstones = new Map<string, number>();
  readonly log: DispatchRecord[] = [];
  private stopped = false;

  constructor(private readonly options: EngineOptions) {}

  queue(name: string): QueueRecord {
    const queue = this.queues.get(name);
    if (!queue) throw new RpcError(grpc.status.NOT_FOUND, MESSAGES.queueNotFound);
    return queue;
  }

  /** Creates or replaces a queue's settings, filling in the defaults the real service reports. */
  putQueue(message: QueueMessage): QueueMessage {
    const rate = message.rateLimits?.maxDispatchesPerSecond ?? DEFAULT_RATE_LIMITS.maxDispatchesPerSecond;
    const stored: QueueMessage = {
      ...message,
      state: message.state && message.state !== 'STATE_UNSPECIFIED' ? message.state : 'RUNNING',
      rateLimits: {
        maxDispatchesPerSecond: rate,
        maxConcurrentDispatches:
          message.rateLimits?.maxConcurrentDispatches ?? DEFAULT_RATE_LIMITS.maxConcurrentDispatches,
        maxBurstSize: Math.min(DEFAULT_RATE_LIMITS.maxBurstSize, Math.max(1, Math.ceil(rate))),
      },
    };
    const existing = this.queues.get(message.name!);
    if (existing) existing.message = stored;
    else
      this.queues.set(message.name!, {
        message: stored,
        inFlight: 0,
        ready: [],
        tokens: stored.rateLimits!.maxBurstSize!,
        refilledAt: Date.now(),
      });
    this.setState(message.name!, stored.state!);
    return stored;
  }

  setState(name: string, state: string): QueueMessage {
    const queue = this.queue(name);
    queue.message.state = state;
    for (const task of this.tasksOf(name)) if (task.state === 'waiting') this.arm(task);
    this.pump(queue);
    return queue.message;
  }

  deleteQueue(name: string): void {
    this.purge(name);
    this.queues.delete(name);
  }

  purge(name: string): void {
    this.queue(name).ready = [];
    for (const task of this.tasksOf(name)) this.remove(task);
  }

  tasksOf(queueName: string): TaskRecord[] {
    return [...this.tasks.values()].filter((t) => t.queueName === queueName);
  }

  isTombstoned(name: string): boolean {
    const until = this.tombstones.get(name);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.tombstones.delete(name);
    return false;
  }

  addTask(queueName: string, message: TaskMessage): TaskMessage {
    this.queue(queueName);
    const name = message.name || `${queueName}/tasks/${randomInt(2 ** 47)}${randomInt(2 ** 47)}`;
    if (this.tasks.has(name)) throw new RpcError(grpc.status.ALREADY_EXISTS, MESSAGES.alreadyExists);
    if (this.isTombstoned(name)) throw new RpcError(grpc.status.ALREADY_EXISTS, MESSAGES.taskTombstoned);
    const now = Date.now();
    const scheduleMs =
      message.scheduleTime && tsMs(message.scheduleTime) > now ? tsMs(message.scheduleTime) : now;
    const stored: TaskMessage = {
      ...message,
      name,
      createTime: toTimestamp(now),
      scheduleTime: toTimestamp(Math.floor(scheduleMs * 1000) / 1000),
      dispatchDeadline: message.dispatchDeadline ?? toDuration(DEFAULT_DEADLINE_MS),
      dispatchCount: 0,
      responseCount: 0,
    };
    const task: TaskRecord = { name, queueName, message: stored, dueAt: scheduleMs, state: 'waiting' };
    this.tasks.set(name, task);
    this.arm(task);
    return stored;
  }

  task(name: string): TaskRecord {
    const task = this.tasks.get(name);
    if (task) return task;
    throw new RpcError(
      grpc.status.NOT_FOUND,
      this.isTombstoned(name) ? MESSAGES.taskGone : MESSAGES.taskNotFound,
    );
  }

  deleteTask(name: string): void {
    this.remove(this.task(name));
  }

  /** RunTask: dispatch now, whatever the schedule time or a pending backoff. */
  runNow(name: string): TaskMessage {
    const task = this.task(name);
    if (task.state === 'waiting') {
      task.dueAt = Date.now();
      this.arm(task);
    }
    return task.message;
  }

  /** Nothing in flight, nothing due now, no task waiting for a retry. */
  isIdle(): boolean {
    const now = Date.now();
    for (const task of this.tasks.values()) {
      const running = this.queues.get(task.queueName)?.message.state === 'RUNNING';
      if (
        task.state !== 'waiting' ||
        (running && (task.dueAt <= now || (task.message.dispatchCount ?? 0) > 0))
      )
        return false;
    }
    return true;
  }

  busyTasks(): string[] {
    return [...this.tasks.values()].map(
      (t) => `${t.name.split('/').pop()} (${t.state}, ${t.message.dispatchCount} attempts)`,
    );
  }

  reset(): void {
    for (const task of this.tasks.values()) clearTimeout(task.timer);
    for (const queue of this.queues.values()) clearTimeout(queue.pumpTimer);
    this.tasks.clear();
    this.queues.clear();
    this.tombstones.clear();
    this.log.length = 0;
  }

  stop(): void {
    this.stopped = true;
    this.reset();
  }

  private remove(task: TaskRecord): void {
    clearTimeout(task.timer);
    this.tasks.delete(task.name);
    this.tombstones.set(task.name, Date.now() + this.options.tombstoneTtlMs);
  }

  private arm(task: TaskRecord): void {
    clearTimeout(task.timer);
    task.timer = undefined;
    const queue = this.queues.get(task.queueName);
    if (!queue || queue.message.state !== 'RUNNING' || this.stopped) return;
    const delay = task.dueAt - Date.now();
    if (delay <= 0) {
      task.state = 'ready';
      queue.ready.push(task);
      this.pump(queue);
      return;
    }
    task.timer = setTimeout(() => this.arm(task), Math.min(delay, MAX_TIMER_MS));
    task.timer.unref();
  }

  /** Starts ready tasks while the queue's concurrency and token bucket (rate, burst) allow. */
  private pump(queue: QueueRecord): void {
    const limits = queue.message.rateLimits!;
    while (
      queue.ready.length &&
      queue.inFlight < limits.maxConcurrentDispatches! &&
      queue.message.state === 'RUNNING' &&
      !this.stopped
    ) {
      const now = Date.now();
      const rate = limits.maxDispatchesPerSecond!;
      queue.tokens = Math.min(limits.maxBurstSize!, queue.tokens + ((now - queue.refilledAt) / 1000) * rate);
      queue.refilledAt = now;
      if (queue.tokens < 1) {
        clearTimeout(queue.pumpTimer);
        queue.pumpTimer = setTimeout(() => this.pump(queue), Math.ceil(((1 - queue.tokens) / rate) * 1000));
        queue.pumpTimer.unref();
        return;
      }
      queue.tokens -= 1;
      const task = queue.ready.shift()!;
      if (this.tasks.get(task.name) === task) void this.dispatch(queue, task);
    }
  }

  private async dispatch(queue: QueueRecord, task: TaskRecord): Promise<void> {
    task.state = 'in-flight';
    queue.inFlight++;
    const message = task.message;
    const request = message.httpRequest!;
    const started = Date.now();
    task.firstAttemptAt ??= started;
    const oidc = request.oidcToken;
    const result = await dispatchHttp({
      request,
      queueId: task.queueName.split('/').pop()!,
      taskId: task.name.split('/').pop()!,
      eta: message.scheduleTime!,
      retryCount: message.dispatchCount!,
      executionCount: message.responseCount!,
      previousResponse: task.previousResponse,
      idToken: oidc?.serviceAccountEmail
        ? this.options.mintToken(oidc.serviceAccountEmail, oidc.audience || request.url)
        : undefined,
      deadlineMs: durationMs(message.dispatchDeadline) * this.options.deadlineScale,
    });
    queue.inFlight--;
    const now = Date.now();
    const attempt = {
      scheduleTime: toTimestamp(task.dueAt),
      dispatchTime: toTimestamp(started),
      responseTime: toTimestamp(now),
      responseStatus:
        result.status === null
          ? { code: grpc.status.DEADLINE_EXCEEDED, message: result.error ?? 'no response' }
          : {
              code: result.status < 300 ? grpc.status.OK : grpc.status.UNKNOWN,
              message: `HTTP status code ${result.status}`,
            },
    };
    message.dispatchCount! += 1;
    if (result.status !== null && result.status < 500) message.responseCount! += 1;
    message.firstAttempt ??= { dispatchTime: attempt.dispatchTime };
    message.lastAttempt = attempt;
    task.previousResponse = result.status;
    const record: DispatchRecord = {
      taskId: task.name.split('/').pop()!,
      queue: task.queueName,
      url: request.url,
      attempt: message.dispatchCount!,
      headers: result.headers,
      body: result.body,
      status: result.status,
      error: result.error,
      dispatchedAt: new Date(started),
      durationMs: now - started,
      outcome: 'done',
    };
    if (this.tasks.get(task.name) !== task) record.outcome = 'deleted';
    else if (result.status !== null && result.status >= 200 && result.status < 300) this.remove(task);
    else if (retriesExhausted(queue.message, message.dispatchCount!, task.firstAttemptAt, now)) {
      record.outcome = 'gave-up';
      this.remove(task);
    } else {
      record.outcome = 'retry';
      record.nextRetryInMs = retryDelayMs(queue.message, message.dispatchCount!) * this.options.timeScale;
      task.dueAt = now + record.nextRetryInMs;
      task.state = 'waiting';
      this.arm(task);
    }
    if (!this.stopped) {
      this.log.push(record);
      this.options.onDispatch?.(record);
    }
    this.pump(queue);
  }
}
