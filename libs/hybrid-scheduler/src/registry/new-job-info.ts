import type { JobInfo } from '../interfaces/index.js';

/** The JobInfo of a job that has not run yet: no history, not paused, declared on the tier it runs on. */
export const newJobInfo = (
  fields: Pick<JobInfo, 'id' | 'tier' | 'name' | 'schedule' | 'source'> & Partial<JobInfo>,
): JobInfo => ({
  declaredTier: fields.tier,
  nextRunAt: null,
  lastRunAt: null,
  lastStatus: null,
  lastError: null,
  runs: 0,
  failures: 0,
  paused: false,
  running: 0,
  ...fields,
});
