import type { TaskCharacteristics } from './characteristics.interface.js';
import type { ScheduleOptions } from './internal-task-options.interface.js';

export interface PrefectDeploymentOptions extends ScheduleOptions {
  /** Prefect flow name (no `/ % & > <`); defaults to the method name in kebab case. */
  flow?: string;
  /** Deployment name under the flow (default `default`). The job id is `prefect:<flow>/<name>`. */
  name?: string;
  /** An RFC 5545 RRULE, e.g. `FREQ=WEEKLY;BYDAY=MO;BYHOUR=9`. */
  rrule?: string;
  /** Default parameters of every run; merged under the parameters a run was created with. */
  parameters?: Record<string, unknown>;
  tags?: string[];
  description?: string;
  /** Prefect retries of a failed run (in process, after `retryDelaySeconds`). */
  retries?: number;
  retryDelaySeconds?: number;
  /** Register the deployment paused (only on first creation; a pause set in the UI is kept). */
  paused?: boolean;
  /** Work queue inside the module's work pool. */
  workQueue?: string;
  timeoutMs?: number;
  /**
   * What a run does while another run of this deployment is PENDING or RUNNING, enforced by Prefect itself for
   * every worker (the deployment's `concurrency_limit` with `concurrency_options.collision_strategy`):
   * `skip` → limit 1, CANCEL_NEW (the new run ends CANCELLED, reported as `skipped`); `queue` → limit 1,
   * ENQUEUE (it waits as AwaitingConcurrencySlot and runs after); `allow` (default) → no limit.
   * `skip`/`queue` need Prefect ≥ 3.1 (concurrency_options).
   */
  overlap?: 'skip' | 'allow' | 'queue';
  /**
   * Schedule ticks found later than the tier's `lateRunGraceMs` (default 60 s; workers were down): `skip`
   * (default) ends them CANCELLED with a message and reports them as `missed`; `once` runs only the most recent
   * and skips the others; `all` runs every one, oldest first (Prefect's own behaviour). Runs started by hand
   * are never skipped.
   */
  catchUp?: 'skip' | 'once' | 'all';
  characteristics?: TaskCharacteristics;
}
