import type { TierName } from './characteristics.interface.js';
import type { RecentRuns } from './recent-runs.interface.js';
import type { RoutedTask } from './task-definition.interface.js';

export interface TierAvailability {
  available: boolean;
  /** Why not, naming the address or setting, when `available` is false. */
  reason?: string;
}

export interface TierHealth {
  status: 'up' | 'degraded' | 'down' | 'disabled';
  details: Record<string, unknown>;
}

/** What `trigger()` answers, in the words of JobEvents and `JobInfo.lastStatus` and of `enqueueWorkflow`. */
export interface TriggerResult {
  jobId: string;
  /** succeeded/failed/skipped: ran in this process; enqueued/scheduled: handed to the engine. */
  status: 'succeeded' | 'failed' | 'skipped' | 'enqueued' | 'scheduled';
  /** The run it started: the queue job id (`queue:<workflow>:<job key>`, as enqueueWorkflow's `id`) or flow run id. */
  id?: string;
  error?: string;
}

/**
 * One scheduling engine. The router hands it tasks before `start()`; the lifecycle service starts all tiers
 * together and stops them in reverse order. A tier never imports another tier.
 */
export interface SchedulerTier {
  readonly name: TierName;
  /** Whether the tier is configured and its engine answers; called once at boot, before routing. */
  probe(): Promise<TierAvailability>;
  /** Takes a routed task; throws (naming class, method, option and value) when its options don't fit. */
  register(task: RoutedTask): void;
  start(): Promise<void>;
  /** Stops triggering new runs (timers, pollers, workers stop taking jobs). */
  stopTriggers(): Promise<void>;
  /** Waits for running work up to the tier's timeout, then closes connections. */
  shutdown(): Promise<void>;
  health(): Promise<TierHealth>;
  trigger(jobId: string): Promise<TriggerResult>;
  pause(jobId: string): Promise<void>;
  resume(jobId: string): Promise<void>;
  remove(jobId: string): Promise<void>;
  /**
   * For a configured tier that was unavailable at boot: keep probing in the background and call `onAvailable`
   * once the engine answers (again at the next probe if `onAvailable` throws or resolves false: some task could
   * not move yet). Returns a function that stops watching.
   */
  watchAvailability?(onAvailable: () => Promise<boolean>): () => void;
  /** Refreshes engine-side fields of the job infos (counts, next runs) before they are listed. */
  refresh?(jobIds: string[]): Promise<void>;
  /** The job's runs as its engine keeps them, newest first, at most `limit`; absent: the tier keeps none. */
  recentRuns?(jobId: string, limit: number): Promise<RecentRuns>;
}
