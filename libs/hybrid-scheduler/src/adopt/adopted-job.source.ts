import type { JobInfo, RecentRun, TriggerResult } from '../interfaces/index.js';
import { newJobInfo } from '../registry/new-job-info.js';

/**
 * Jobs that another scheduling package owns (@nestjs/schedule's SchedulerRegistry, @nestjs/bullmq's
 * @Processor queues), shown by `listJobs()` and controlled through the facade where that package allows it.
 */
export interface AdoptedJobSource {
  /** The package, as `JobInfo.source` shows it. */
  readonly source: string;
  /** Fresh snapshots of the source's jobs. */
  list(): Promise<JobInfo[]>;
  /** Whether `jobId` names one of the source's jobs right now. */
  owns(jobId: string): boolean;
  pause(jobId: string): Promise<void>;
  resume(jobId: string): Promise<void>;
  trigger(jobId: string): Promise<TriggerResult>;
  /** The finished runs its engine keeps, newest first (a @Processor queue: BullMQ's completed and failed jobs). */
  recentRuns?(jobId: string, limit: number): Promise<{ keptBy: string; runs: RecentRun[] }>;
}

/** A facade call on a job; an adopted job lists in `details.controls` those its package lets the facade make. */
export type JobControl = 'trigger' | 'pause' | 'resume';
const ALL_CONTROLS: readonly unknown[] = ['trigger', 'pause', 'resume'];

/** `JobInfo.source` of the jobs that another package owns. */
export const ADOPTED_SOURCES = ['@nestjs/schedule', '@nestjs/bullmq'] as const;

/** Whether a listed job belongs to @nestjs/schedule or @nestjs/bullmq (no dead letters, no run history here). */
export const isAdoptedJob = (info: Pick<JobInfo, 'source'>): boolean =>
  (ADOPTED_SOURCES as readonly string[]).includes(info.source);

/**
 * The controls the facade offers for `info` (`trigger`, `pause`, `resume`): all for our own jobs; for an adopted
 * job those in its `details.controls`, as its source set them (the others throw AdoptedJobControlError).
 */
export function jobControls(info: Pick<JobInfo, 'source' | 'details'>): JobControl[] {
  if (!isAdoptedJob(info)) return ['trigger', 'pause', 'resume'];
  const listed = info.details?.controls;
  return Array.isArray(listed) ? listed.filter((c): c is JobControl => ALL_CONTROLS.includes(c)) : [];
}
/** A JobInfo of an adopted job: no run history (the owning package keeps none we can read). */
export const adoptedJobInfo = newJobInfo;
