import type { TierName } from './characteristics.interface.js';

export type JobEventType =
  'started' | 'succeeded' | 'failed' | 'skipped' | 'missed' | 'retrying' | 'dead-lettered' | 'cancelled';

/** One outcome of one job, as observed through `HybridScheduler.events$` or `onJobEvent()`. */
export interface JobEvent {
  type: JobEventType;
  jobId: string;
  tier: TierName;
  name: string;
  runId?: string;
  attempt?: number;
  /** When the run was due (for `missed`, the tick that was missed). */
  scheduledAt?: Date;
  /** Set on `succeeded`, `failed` and `cancelled`. */
  durationMs?: number;
  error?: Error;
  /** Why a run was skipped or missed, in words. */
  reason?: string;
  at: Date;
}
