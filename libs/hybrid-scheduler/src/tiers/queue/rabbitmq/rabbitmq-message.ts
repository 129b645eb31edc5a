import { createHash, randomUUID } from 'node:crypto';
import type { AsyncMessage, SyncMessage } from 'rabbitmq-client';
import type { DeliveredJob, JobHeaders } from '../queue-engine.interface.js';
import { enqueuedAtOfKey } from './rabbitmq-job-key.js';

/**
 * Headers this engine sets, each only when it says something: no attempt is attempt 1, no enqueued-at is the
 * time in a UUIDv7 message id (else: enqueued when delivered), no due-at is due now. A plain producer may leave
 * them all out.
 */
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
 * The payload of a message: rabbitmq-client has already parsed `application/json` bodies (a JSON string
 * becomes a string; one it could not parse stays a Buffer); anything else must be JSON text. Undefined `ok`
 * means the body is not JSON (the message goes to the dead queue).
 */
export function decodeBody(msg: Message): { ok: true; value: unknown } | { ok: false } {
  const { body } = msg;
  const parsed = msg.contentType === 'application/json' && typeof body === 'string';
  if (parsed || (!Buffer.isBuffer(body) && typeof body !== 'string')) return { ok: true, value: body };
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

const enqueuedAtOf = (msg: Message): number | undefined =>
  numberHeader(msg, HEADER.enqueuedAt) ?? enqueuedAtOfKey(msg.messageId);

export function deliveredJob(workflow: string, msg: Message, payload: unknown): DeliveredJob {
  const enqueuedAt = enqueuedAtOf(msg);
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
  enqueuedAt: enqueuedAtOf(msg),
});

/** What this engine sets on a message besides the routing (rabbitmq-client's `Envelope`, narrowed). */
export interface JobEnvelope {
  messageId?: string;
  priority?: number;
  headers?: Record<string, unknown>;
}

/**
 * The envelope of a message this engine (re)publishes for `job`, keeping its id, priority and headers. A job
 * due now at attempt 1 with a UUIDv7 key and no job headers gets no header table (the cheapest to encode).
 */
export function jobEnvelope(
  job: { jobKey: string; attempt: number; enqueuedAt: Date; scheduledAt?: Date; headers?: JobHeaders },
  extra: { priority?: number; dueAt?: number; headers?: Record<string, unknown> } = {},
): JobEnvelope {
  let headers: Record<string, unknown> | undefined = job.headers && { ...job.headers };
  if (job.attempt !== 1) (headers ??= {})[HEADER.attempt] = job.attempt;
  const enqueuedAt = job.enqueuedAt.getTime();
  if (enqueuedAt !== enqueuedAtOfKey(job.jobKey)) (headers ??= {})[HEADER.enqueuedAt] = enqueuedAt;
  if (job.scheduledAt) (headers ??= {})[HEADER.scheduledAt] = job.scheduledAt.getTime();
  if (extra.dueAt !== undefined) (headers ??= {})[HEADER.dueAt] = extra.dueAt;
  if (extra.headers) headers = Object.assign(headers ?? {}, extra.headers);
  return { messageId: job.jobKey, priority: extra.priority, headers };
}
