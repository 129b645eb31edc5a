import type { DeadLetter } from '../../interfaces/index.js';
import { queueJobId } from '../../registry/job-id.js';
import type { DeliveredJob } from './queue-engine.interface.js';

/** A dead letter as stored: the public shape plus the engine job key it came from. */
export interface StoredDeadLetter extends DeadLetter {
  jobKey: string;
}

/** The dead letter of `job` after its last failed attempt (`overrides` for what the engine knows better). */
export const deadLetterOf = (
  job: DeliveredJob,
  error: Error,
  overrides: Partial<StoredDeadLetter> = {},
): StoredDeadLetter => ({
  id: queueJobId(job.workflow, job.jobKey),
  jobKey: job.jobKey,
  workflow: job.workflow,
  payload: job.payload,
  error: error.message,
  stack: error.stack,
  attempts: job.attempt,
  enqueuedAt: job.enqueuedAt,
  failedAt: new Date(),
  ...overrides,
});

/**
 * Where jobs go after their last attempt; never dropped. The queue tier uses Redis when a connection is
 * configured, memory otherwise (providers with their own engine-side store may use that instead).
 */
export interface DeadLetterStore {
  add(letter: StoredDeadLetter): Promise<void>;
  list(workflow: string): Promise<StoredDeadLetter[]>;
  /** Removes and returns one dead letter (for a retry), or undefined when it is not there. */
  take(workflow: string, jobKey: string): Promise<StoredDeadLetter | undefined>;
  purge(workflow: string): Promise<number>;
  count(workflow: string): Promise<number>;
  close(): Promise<void>;
}
