import type { JsMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/transport-node';
import type { DeliveredJob, JobHeaders } from '../queue-engine.interface.js';
import { natsTransport } from './nats.module-loader.js';
import { HEADER } from './nats-names.js';

/** What this engine knows about a job besides its payload; travels in headers so the body stays the plain payload. */
export interface JobMeta {
  jobKey?: string;
  attemptsMade?: number;
  maxAttempts?: number;
  enqueuedAt?: number;
  scheduledAt?: number;
  runAt?: number;
  /** The job's own headers (trace context), carried as NATS headers beside ours. */
  headers?: JobHeaders;
}

/** Headers of ours and of JetStream itself; every other header of a message is the job's. */
const OWN = /^(hybrid-|nats-)/i;

const num = (headers: MsgHdrs | undefined, name: string): number | undefined => {
  const text = headers?.get(name);
  const value = text ? Number(text) : Number.NaN;
  return Number.isFinite(value) ? value : undefined;
};

/** What a message without headers carries (a job enqueued to run now, a plain producer's message). */
const NO_META: Readonly<JobMeta> = Object.freeze({});

export function readMeta(headers: MsgHdrs | undefined): JobMeta {
  if (!headers) return NO_META;
  const own: Record<string, string> = {};
  for (const key of headers?.keys() ?? []) if (!OWN.test(key)) own[key] = headers!.get(key);
  return {
    headers: Object.keys(own).length ? own : undefined,
    jobKey: headers?.get(HEADER.job) || undefined,
    attemptsMade: num(headers, HEADER.attemptsMade),
    maxAttempts: num(headers, HEADER.maxAttempts),
    enqueuedAt: num(headers, HEADER.enqueuedAt),
    scheduledAt: num(headers, HEADER.scheduledAt),
    runAt: num(headers, HEADER.runAt),
  };
}

export function metaHeaders(meta: JobMeta): MsgHdrs {
  const headers = natsTransport().headers();
  for (const [key, value] of Object.entries(meta.headers ?? {})) if (!OWN.test(key)) headers.set(key, value);
  const set = (name: string, value: string | number | undefined) => {
    if (value !== undefined) headers.set(name, String(value));
  };
  set(HEADER.job, meta.jobKey);
  set(HEADER.attemptsMade, meta.attemptsMade);
  set(HEADER.maxAttempts, meta.maxAttempts);
  set(HEADER.enqueuedAt, meta.enqueuedAt);
  set(HEADER.scheduledAt, meta.scheduledAt);
  set(HEADER.runAt, meta.runAt);
  return headers;
}

/**
 * A delivery as the queue tier sees it: the key is the first message's sequence, attempts counted by headers.
 * `meta` is what the headers said (its `jobKey` unset on the first message: the job's key is `job.jobKey`).
 */
export function deliveredJob(
  workflow: string,
  msg: JsMsg,
  payload: unknown,
): { job: DeliveredJob; meta: JobMeta } {
  const meta = readMeta(msg.headers);
  const job: DeliveredJob = {
    jobKey: meta.jobKey ?? String(msg.seq),
    workflow,
    payload,
    attempt: (meta.attemptsMade ?? 0) + 1,
    enqueuedAt: new Date(meta.enqueuedAt ?? Math.floor(Number(msg.info.timestampNanos) / 1e6)),
    scheduledAt: meta.scheduledAt !== undefined ? new Date(meta.scheduledAt) : undefined,
    maxAttempts: meta.maxAttempts,
    headers: meta.headers,
  };
  return { job, meta };
}
