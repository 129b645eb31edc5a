import { Logger } from '@nestjs/common';
import { PayloadValidationError } from '../../../errors/index.js';
import { deadLetterOf, type DeadLetterStore } from '../dead-letter-store.interface.js';
import type {
  DeliveredJob,
  JobHeaders,
  JobProcessor,
  EngineEvents,
  EngineWorkflow,
} from '../queue-engine.interface.js';
import { validatePayload } from '../payload.validator.js';
import { cloudTasksRetryDelayMs, type QueueRetry } from './cloud-tasks-backoff.js';
import type { CloudTasksEnvelope } from './cloud-tasks.enqueuer.js';
import type { CloudTasksOidcVerifier } from './cloud-tasks-oidc.verifier.js';

export interface PushRequest {
  workflow: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, a raw string/Buffer, or undefined when there was no body. */
  body: unknown;
}

export interface PushResponse {
  status: number;
  body: string;
}

export interface PushTarget {
  workflow: EngineWorkflow;
  processor: JobProcessor;
  events: EngineEvents;
}

export interface PushContext {
  verifier: CloudTasksOidcVerifier;
  target(workflow: string): PushTarget | undefined;
  known(): string[];
  deadLetters: DeadLetterStore;
  queueRetry(): QueueRetry;
  /** False once the provider stopped consuming: pushes are refused with 503 so Cloud Tasks retries elsewhere. */
  accepting(): boolean;
  signal: AbortSignal;
  track<T>(work: Promise<T>): Promise<T>;
}

/** The W3C trace context headers the enqueue sent along (see JobHeaders). */
const TRACE_HEADERS = ['traceparent', 'tracestate', 'baggage'];
const traceHeaders = (headers: PushRequest['headers']): JobHeaders | undefined => {
  const found = TRACE_HEADERS.flatMap((name) => {
    const value = header(headers, name);
    return value ? [[name, value] as const] : [];
  });
  return found.length ? Object.fromEntries(found) : undefined;
};

const header = (headers: PushRequest['headers'], name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

function parseEnvelope(body: unknown): CloudTasksEnvelope | undefined {
  let value = body;
  if (Buffer.isBuffer(value)) value = value.toString('utf8');
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const envelope = value as Partial<CloudTasksEnvelope> | undefined;
  return envelope &&
    typeof envelope === 'object' &&
    typeof envelope.workflow === 'string' &&
    'payload' in envelope
    ? (envelope as CloudTasksEnvelope)
    : undefined;
}

/**
 * One Cloud Tasks push: token first (401, nothing runs), then the workflow (404), then the envelope and DTO
 * (dead-lettered at once: retrying cannot fix them), then the run. 2xx ends the task; 5xx asks Cloud Tasks to
 * retry; the workflow's last attempt dead-letters and answers 2xx so Cloud Tasks stops.
 */
export class CloudTasksPushHandler {
  private readonly logger = new Logger('HybridScheduler:CloudTasksPush');

  constructor(private readonly context: PushContext) {}

  async handle(request: PushRequest): Promise<PushResponse> {
    const { context } = this;
    const auth = await context.verifier.verify(request.headers['authorization']);
    if (!auth.ok) {
      this.logger.warn(`Refused a push for "${request.workflow}" (401): ${auth.reason}`);
      return { status: 401, body: 'Unauthorized' };
    }
    const target = context.target(request.workflow);
    if (!target) {
      this.logger.error(
        `Cloud Tasks pushed a task for unknown workflow "${request.workflow}" (404; Cloud Tasks will retry it). ` +
          `Known workflows: ${context.known().join(', ') || 'none'}. Was it renamed or removed while tasks were queued?`,
      );
      return { status: 404, body: `Unknown workflow "${request.workflow}"` };
    }
    if (!context.accepting()) return { status: 503, body: 'Shutting down' };

    const retryCount = Number(header(request.headers, 'x-cloudtasks-taskretrycount') ?? 0);
    const eta = Number(header(request.headers, 'x-cloudtasks-tasketa'));
    const envelope = parseEnvelope(request.body);
    const job: DeliveredJob = {
      jobKey: header(request.headers, 'x-cloudtasks-taskname') ?? 'unknown',
      workflow: request.workflow,
      payload: envelope?.payload ?? request.body,
      attempt: (Number.isFinite(retryCount) ? retryCount : 0) + 1,
      enqueuedAt: envelope?.enqueuedAt ? new Date(envelope.enqueuedAt) : new Date(),
      scheduledAt: envelope?.tick
        ? new Date(envelope.tick)
        : Number.isFinite(eta)
          ? new Date(eta * 1000)
          : undefined,
      headers: traceHeaders(request.headers),
    };

    if (!envelope || envelope.workflow !== request.workflow) {
      const why = envelope
        ? `the body names workflow "${envelope.workflow}"`
        : 'the body is not a hybrid-scheduler task envelope';
      return this.deadLetter(
        target,
        job,
        new PayloadValidationError(request.workflow, [`${why}; it cannot run, retrying would not help`]),
      );
    }
    try {
      await validatePayload(request.workflow, envelope.payload, target.workflow.payload);
    } catch (error) {
      if (error instanceof PayloadValidationError) return this.deadLetter(target, job, error);
      throw error;
    }

    try {
      await context.track(target.processor(job, context.signal));
      return { status: 200, body: 'OK' };
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      if (job.attempt >= target.workflow.attempts) return this.deadLetter(target, job, error);
      target.events.retrying(job, error, cloudTasksRetryDelayMs(context.queueRetry(), job.attempt));
      return {
        status: 500,
        body: `Attempt ${job.attempt} of ${target.workflow.attempts} failed: ${error.message}`,
      };
    }
  }

  /** Stores the job as a dead letter (unless the workflow opted out) and answers 2xx so Cloud Tasks stops. */
  private async deadLetter(target: PushTarget, job: DeliveredJob, error: Error): Promise<PushResponse> {
    if (target.workflow.deadLetter) {
      await this.context.deadLetters.add(deadLetterOf(job, error));
    }
    target.events.deadLettered(job, error);
    return {
      status: 200,
      body: target.workflow.deadLetter ? 'Dead-lettered' : 'Dropped after the last attempt',
    };
  }
}
