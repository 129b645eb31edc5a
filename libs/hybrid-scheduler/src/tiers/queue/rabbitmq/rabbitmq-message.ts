import { createHash, randomUUID } from 'node:crypto';
import type { AsyncMessage, Envelope, SyncMessage } from 'rabbitmq-client';
import type { DeliveredJob, JobHeaders } from '../queue-engine.interface.js';

/** Headers this engine sets; a plain producer may leave them all out (attempt 1, enqueued now, due now). */
export const HEADER = {
  attempt: 'x-hs-attempt',
  enqueuedAt: 'x-hs-enqueued-at',
  dueAt: 'x-hs-due-at',
  scheduledAt: 'x-hs-scheduled-at',
  error: 'x-hs-error',
  stack: 'x-hs-stack',
  failedAt: 'x-hs-failed-at',
} as const;

type Message = AsyncMessage | SyncMessage;

const numberHeader = (msg: Message, name: string): number | undefined => {
  const value: unknown = msg.headers?.[name];
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(n) ? n : undefined;
};

const stringHeader = (msg: Message, name: string): string | undefined => {
  const value: unknown = msg.headers?.[name];
  return typeof value === 'string' ? value : undefined;
};

/**
 * The payload of a message: rabbitmq-client has already parsed `application/json` bodies; anything else must
 * be JSON text. Undefined `ok` means the body is not JSON (the message goes to the dead queue).
 */
export function decodeBody(body: unknown): { ok: true; value: unknown } | { ok: false } {
  if (!Buffer.isBuffer(body) && typeof body !== 'string') return { ok: true, value: body };
  const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Job key of a message: its AMQP message id, which this engine always sets (plain producers may not). */
export const jobKeyOf = (msg: Message): string => msg.messageId || `amqp-${randomUUID()}`;

/** Key of a dead letter that a plain producer sent without a message id: stable across listings. */
export const deadLetterKeyOf = (msg: Message): string =>
  msg.messageId ||
  `amqp-${createHash('sha256')
    .update(Buffer.isBuffer(msg.body) ? msg.body : JSON.stringify(msg.body ?? null))
    .update(JSON.stringify(msg.headers?.['x-death'] ?? null))
    .digest('hex')
    .slice(0, 24)}`;

/** The job's own headers (trace context): string AMQP headers not named `x-…` (those are the broker's and ours). */
function jobHeadersOf(msg: Message): JobHeaders | undefined {
  const entries = Object.entries(msg.headers ?? {}).filter(
    (entry): entry is [string, string] => !entry[0].startsWith('x-') && typeof entry[1] === 'string',
  );
  return entries.length ? Object.fromEntries(entries) : undefined;
}

export function deliveredJob(workflow: string, msg: Message, payload: unknown): DeliveredJob {
  const enqueuedAt = numberHeader(msg, HEADER.enqueuedAt);
  const scheduledAt = numberHeader(msg, HEADER.scheduledAt) ?? numberHeader(msg, HEADER.dueAt);
  return {
    jobKey: jobKeyOf(msg),
    workflow,
    payload,
    attempt: Math.max(1, numberHeader(msg, HEADER.attempt) ?? 1),
    enqueuedAt: new Date(enqueuedAt ?? Date.now()),
    scheduledAt: scheduledAt !== undefined ? new Date(scheduledAt) : undefined,
    headers: jobHeadersOf(msg),
  };
}

export const dueAtOf = (msg: Message): number | undefined => numberHeader(msg, HEADER.dueAt);

export const failureOf = (msg: Message) => ({
  error: stringHeader(msg, HEADER.error),
  stack: stringHeader(msg, HEADER.stack),
  failedAt: numberHeader(msg, HEADER.failedAt),
  attempts: numberHeader(msg, HEADER.attempt),
  enqueuedAt: numberHeader(msg, HEADER.enqueuedAt),
});

/** The envelope of a message this engine (re)publishes for `job`, keeping its id, priority and headers. */
export function jobEnvelope(
  job: { jobKey: string; attempt: number; enqueuedAt: Date; scheduledAt?: Date; headers?: JobHeaders },
  extra: { priority?: number; dueAt?: number; headers?: Record<string, unknown> } = {},
): Omit<Envelope, 'routingKey'> {
  return {
    messageId: job.jobKey,
    priority: extra.priority,
    contentType: 'application/json',
    headers: {
      ...job.headers,
      [HEADER.attempt]: job.attempt,
      [HEADER.enqueuedAt]: job.enqueuedAt.getTime(),
      ...(job.scheduledAt ? { [HEADER.scheduledAt]: job.scheduledAt.getTime() } : {}),
      ...(extra.dueAt !== undefined ? { [HEADER.dueAt]: extra.dueAt } : {}),
      ...extra.headers,
    },
  };
}
