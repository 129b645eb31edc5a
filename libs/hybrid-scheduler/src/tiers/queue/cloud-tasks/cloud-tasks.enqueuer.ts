import { Logger } from '@nestjs/common';
import type { CloudTasksClient } from '@google-cloud/tasks';
import { createHash, randomBytes } from 'node:crypto';
import { sleep } from '../../../common/timers.js';
import { PayloadValidationError } from '../../../errors/index.js';
import { GRPC, grpcCode } from './cloud-tasks.client.js';
import {
  MAX_SCHEDULE_AHEAD_MS,
  MAX_TASK_BODY_BYTES,
  toTimestamp,
  type CloudTasksSettings,
} from './cloud-tasks.settings.js';
import { redactedMessage } from '../../../common/redact.js';
import type { JobHeaders } from '../queue-engine.interface.js';
import type { CloudTasksOutage } from './cloud-tasks.outage.js';

/** The JSON body of every task; what the push endpoint reads back. */
export interface CloudTasksEnvelope {
  workflow: string;
  payload: unknown;
  /** ISO time of the enqueue call. */
  enqueuedAt: string;
  idempotencyKey?: string;
  /** ISO fire time of a recurring tick. */
  tick?: string;
}

export interface CreateRequest {
  envelope: CloudTasksEnvelope;
  /** Deterministic task id (idempotency key, tick); random otherwise. */
  taskId?: string;
  runAtMs?: number;
  /** Job headers (trace context), sent as HTTP headers of the push. */
  headers?: JobHeaders;
}

const TRANSIENT: number[] = [
  GRPC.UNAVAILABLE,
  GRPC.DEADLINE_EXCEEDED,
  GRPC.RESOURCE_EXHAUSTED,
  GRPC.ABORTED,
  GRPC.INTERNAL,
];
const RETRIES = 5;

/**
 * Hashed ids: a name makes CreateTask idempotent, and hash prefixes avoid the latency that sequential or
 * timestamp-prefixed names cause (NOTES 3.4).
 */
export const hashedTaskId = (kind: 'key' | 'tick', workflow: string, value: string): string =>
  createHash('sha256').update(`${kind}\0${workflow}\0${value}`).digest('hex').slice(0, 40);
export const randomTaskId = (): string => randomBytes(20).toString('hex');

/** CreateTask for one HTTP push with OIDC, retrying transient errors; ALREADY_EXISTS means "already enqueued". */
export class CloudTasksEnqueuer {
  private readonly logger = new Logger('HybridScheduler:CloudTasks');

  constructor(
    private readonly client: CloudTasksClient,
    private readonly settings: CloudTasksSettings,
    /** Aborted at shutdown: a retry wait ends at once. */
    private readonly signal?: AbortSignal,
    private readonly retryBaseMs = 100,
    /** Told what each call saw, so that an unreachable API is known as an outage. */
    private readonly outage?: Pick<CloudTasksOutage, 'failed' | 'answered'>,
  ) {}

  async create(request: CreateRequest): Promise<{ taskId: string; created: boolean }> {
    const { envelope } = request;
    const body = Buffer.from(JSON.stringify(envelope));
    if (body.length > MAX_TASK_BODY_BYTES) {
      throw new PayloadValidationError(envelope.workflow, [
        `payload is ${body.length} bytes as JSON (with its envelope); Cloud Tasks accepts at most ${MAX_TASK_BODY_BYTES} bytes per task`,
      ]);
    }
    if (request.runAtMs !== undefined && request.runAtMs > Date.now() + MAX_SCHEDULE_AHEAD_MS) {
      throw new PayloadValidationError(envelope.workflow, [
        `runAt/delayMs ${new Date(request.runAtMs).toISOString()} is more than ${MAX_SCHEDULE_AHEAD_MS / 86_400_000} days ahead, which Cloud Tasks refuses`,
      ]);
    }
    // Always named, so a retry after an ambiguous failure (DEADLINE_EXCEEDED may have committed) cannot duplicate.
    const taskId = request.taskId ?? randomTaskId();
    const { options } = this.settings;
    const task = {
      name: this.settings.taskPath(taskId),
      httpRequest: {
        httpMethod: 'POST' as const,
        url: this.settings.urlOf(envelope.workflow),
        headers: { ...request.headers, 'Content-Type': 'application/json' },
        body,
        ...(options.serviceAccountEmail
          ? {
              oidcToken: {
                serviceAccountEmail: options.serviceAccountEmail,
                audience: this.settings.audience,
              },
            }
          : {}),
      },
      ...(request.runAtMs !== undefined ? { scheduleTime: toTimestamp(request.runAtMs) } : {}),
      ...(options.dispatchDeadlineMs ? { dispatchDeadline: toTimestamp(options.dispatchDeadlineMs) } : {}),
    };
    let ambiguous = false;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.createTask({ parent: this.settings.queuePath, task });
        this.outage?.answered();
        return { taskId, created: true };
      } catch (error) {
        this.outage?.failed(error);
        const code = grpcCode(error);
        // Someone else's task (same key or tick), unless an earlier ambiguous failure of ours did commit.
        if (code === GRPC.ALREADY_EXISTS) return { taskId, created: ambiguous };
        if (!TRANSIENT.includes(code ?? -1) || attempt > RETRIES) {
          throw Object.assign(
            new Error(
              `Cloud Tasks CreateTask in ${this.settings.queuePath} failed for workflow "${envelope.workflow}" ` +
                `after ${attempt} attempt(s): ${redactedMessage(error)}`,
              { cause: error },
            ),
            { code },
          );
        }
        ambiguous ||= code === GRPC.DEADLINE_EXCEEDED || code === GRPC.UNAVAILABLE || code === GRPC.INTERNAL;
        const delay = Math.min(this.retryBaseMs * 2 ** (attempt - 1), 5_000) * (0.5 + Math.random() / 2);
        this.logger.warn(
          `CreateTask for "${envelope.workflow}" failed (${redactedMessage(error)}); retry ${attempt}/${RETRIES} in ${delay.toFixed(0)}ms`,
        );
        if (!(await sleep(delay, this.signal)))
          throw new Error(`CreateTask for "${envelope.workflow}" abandoned: shutting down`, { cause: error });
      }
    }
  }
}
