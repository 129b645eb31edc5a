import type { TierName } from '../interfaces/index.js';

const TIERS: readonly TierName[] = ['internal', 'queue', 'prefect'];

/** `<tier>:<name>`: how listJobs(), events and the control methods name a job. */
export const jobId = (tier: TierName, name: string): string => `${tier}:${name}`;

/** The inverse of `jobId`; undefined when `id` is not a string of that shape. */
export function parseJobId(id: unknown): { tier: TierName; name: string } | undefined {
  if (typeof id !== 'string') return undefined;
  const colon = id.indexOf(':');
  const tier = id.slice(0, colon) as TierName;
  if (colon < 1 || colon === id.length - 1 || !TIERS.includes(tier)) return undefined;
  return { tier, name: id.slice(colon + 1) };
}

/** `queue:<workflow>:<job key>`: one job of a queued workflow (enqueue results, runs, dead letters). */
export const queueJobId = (workflow: string, jobKey: string): string => `queue:${workflow}:${jobKey}`;

/** The inverse of `queueJobId` (workflow names never contain a colon); undefined for anything else. */
export function parseQueueJobId(id: unknown): { workflow: string; jobKey: string } | undefined {
  if (typeof id !== 'string') return undefined;
  const match = /^queue:([^:]+):(.+)$/.exec(id);
  return match ? { workflow: match[1], jobKey: match[2] } : undefined;
}
