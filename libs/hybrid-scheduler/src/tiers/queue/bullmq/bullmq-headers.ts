import type { Job, JobsOptions } from 'bullmq';
import type { JobHeaders } from '../queue-engine.interface.js';

/**
 * Job headers (the W3C trace context) ride in BullMQ's own propagation field, `opts.telemetry.metadata` (a JSON
 * carrier, what BullMQ's `bullmq-otel` telemetry writes too), so the job data stays the bare payload.
 */
export function telemetryOptions(headers: JobHeaders | undefined): JobsOptions['telemetry'] {
  return headers && Object.keys(headers).length ? { metadata: JSON.stringify(headers) } : undefined;
}

/** The headers a job carries, or undefined (a job from a plain producer, or unreadable metadata). */
export function headersOf(job: Pick<Job, 'opts'>): JobHeaders | undefined {
  const metadata = job.opts.telemetry?.metadata;
  if (!metadata) return undefined;
  try {
    const parsed: unknown = JSON.parse(metadata);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed)) if (typeof value === 'string') headers[key] = value;
    return headers;
  } catch {
    return undefined;
  }
}
