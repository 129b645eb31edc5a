import type { TaskCharacteristics } from './characteristics.interface.js';

/** A duration: milliseconds, or a string such as `'500ms'`, `'30s'`, `'5m'`, `'2h'`, `'1d'`. */
export type Duration = number | string;

/** Options shared by the scheduling part of every decorator. Exactly one of `every`, `cron`, `at`. */
export interface ScheduleOptions {
  /** Run every N ms or every duration string (`'30s'`); ticks are aligned to boot time and never drift. */
  every?: Duration;
  /** A 5-field (minute precision) or 6-field (second precision) cron expression. */
  cron?: string;
  /** IANA time zone for `cron`, e.g. `Europe/Berlin`; defaults to the module's `internal.timeZone` or UTC. */
  timeZone?: string;
}

export interface InternalTaskOptions extends ScheduleOptions {
  /** Unique job name; defaults to `ClassName.methodName`. The job id is `internal:<name>`. */
  name?: string;
  /** Run once at this date (ISO string or Date). */
  at?: Date | string;
  /** What a tick does while the previous run is still going. Default `skip` (reported as `skipped`). */
  overlap?: 'skip' | 'allow';
  /**
   * What ticks that could not run on time (event loop blocked, task paused, `at` in the past) become.
   * `skip` (default): they are reported as `missed` and only the current tick runs. `once`: one run now.
   */
  catchUp?: 'skip' | 'once';
  /** Adds a random 0..jitterMs delay to every run, to spread load across replicas. */
  jitterMs?: number;
  /** Delay before the first `every` tick (default: one period) or before cron scheduling starts. */
  initialDelayMs?: number;
  /** Also run once as soon as the application has started. */
  runOnStart?: boolean;
  /** Abort the run's signal and report it as failed after this many ms. */
  timeoutMs?: number;
  /**
   * Run each tick on one replica only, through a Redis lease. Needs `queue.bullmq.connection`; refused at
   * boot otherwise. `every` ticks of singleton tasks are aligned to the epoch grid so that replicas agree.
   */
  singleton?: boolean;
  characteristics?: TaskCharacteristics;
}
