import { Logger } from '@nestjs/common';
import { redactedMessage } from '../../common/redact.js';
import type { PrefectRegistration } from './prefect.registration.js';
import type { DeploymentEntry } from './prefect-worker.types.js';
import { DistinctWarnings } from '../../common/distinct-warnings.js';

export interface PoolRestoreOptions {
  workPool: string;
  workQueues: string[];
  /** No second restore starts sooner than this after the last one (a poll that answers 404 comes every few 100 ms). */
  minIntervalMs: number;
}

/**
 * Puts back what a Prefect that lost the work pool (restarted on a fresh database, pool deleted in the UI) no
 * longer has: the pool, the configured queues, then every deployment served here, each on its own so that one
 * refusal does not keep the others out. Without it the worker polled a missing pool (404) for ever.
 */
export class PrefectPoolRestore {
  private readonly logger = new Logger('HybridScheduler:PrefectTier');
  private readonly warnings = new DistinctWarnings(this.logger);
  private running?: Promise<void>;
  private lastAt = 0;

  constructor(
    private readonly registration: PrefectRegistration,
    private readonly entries: () => DeploymentEntry[],
    private readonly register: (entry: DeploymentEntry) => Promise<void>,
    private readonly options: PoolRestoreOptions,
  ) {}

  /** Starts a restore unless one runs or ran less than `minIntervalMs` ago; resolves when it is over. */
  restore(why: string): Promise<void> {
    if (this.running) return this.running;
    if (Date.now() - this.lastAt < this.options.minIntervalMs) return Promise.resolve();
    this.lastAt = Date.now();
    this.running = this.run(why).finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(why: string): Promise<void> {
    const pool = this.options.workPool;
    try {
      await this.registration.ensureWorkPool(false, true);
      await this.registration.ensureQueues(this.options.workQueues);
      this.warnings.clear('pool');
    } catch (error) {
      this.warnings.warn(
        'pool',
        `Work pool "${pool}" is missing in Prefect (${why}) and creating it failed: ${redactedMessage(error)}; tried again later`,
      );
      return;
    }
    this.logger.warn(
      `Work pool "${pool}" was missing in Prefect (${why}); registering its deployments again`,
    );
    for (const entry of this.entries()) {
      try {
        await this.register(entry);
        this.warnings.clear(entry.jobId);
      } catch (error) {
        this.warnings.warn(
          entry.jobId,
          `Registering deployment "${entry.task.name}" again failed: ${redactedMessage(error)}; tried again at the next deployment check`,
        );
      }
    }
  }
}
