import type { TaskContext, TriggerResult } from '../../interfaces/index.js';
import { JobRegistry } from '../../registry/job.registry.js';
import { TaskRunner } from '../../runner/task.runner.js';
import type { InternalJobTimer } from './internal-job.js';
import type { TickLock } from './tick-lock.interface.js';

/** A tick's result, as `trigger()` reports it. */
export type TickOutcome = Omit<TriggerResult, 'jobId'>;

/**
 * Runs one tick of an internal job: the overlap rule, jitter, the replica lease of singleton tasks, then the
 * TaskRunner. Split from the tier so that the tier file is about registration and control.
 */
export class InternalTickRunner {
  private readonly waits = new Set<{ timer: NodeJS.Timeout; resolve: (slept: boolean) => void }>();

  constructor(
    private readonly registry: JobRegistry,
    private readonly runner: TaskRunner,
    private readonly shutdownSignal: AbortSignal,
    private readonly tickLock?: TickLock,
  ) {}

  async run(timer: InternalJobTimer, scheduledAt: Date, manual: boolean): Promise<TickOutcome> {
    const { info, task, options } = timer;
    if ((info.running > 0 || timer.reserved > 0) && (options.overlap ?? 'skip') === 'skip') {
      const reason = 'previous run is still running (overlap: skip)';
      this.registry.emit({
        type: 'skipped',
        jobId: info.id,
        tier: 'internal',
        name: task.name,
        scheduledAt,
        reason,
      });
      return { status: 'skipped', error: reason };
    }
    // Reserve the slot before any await (jitter, lease), so that a second tick cannot slip past the overlap check.
    // Held until the run is over (not just started), so that no second tick can slip past the overlap check.
    timer.reserved++;
    let release: (() => Promise<void>) | null = null;
    try {
      if (!manual && options.jitterMs && !(await this.sleep(Math.random() * options.jitterMs))) {
        return { status: 'skipped', error: 'application is shutting down' };
      }
      if (options.singleton && this.tickLock && !manual) {
        release = await this.tickLock.acquire(info.id, scheduledAt, task.policy.timeoutMs ?? 60_000);
        if (!release) return { status: 'skipped', error: 'another replica runs this tick' };
      }
      const run = this.runner.run({
        jobId: info.id,
        tier: 'internal',
        name: task.name,
        scheduledAt,
        timeoutMs: task.policy.timeoutMs,
        signal: this.shutdownSignal,
        // The context shape and first argument of the declared tier (a Prefect deployment on fallback here).
        invoke: (context: TaskContext) => task.policy.invoke(context, task.policy.input),
      });
      const outcome = await run;
      return outcome.status === 'succeeded'
        ? { status: 'succeeded' }
        : { status: 'failed', error: outcome.error?.message };
    } finally {
      timer.reserved--;
      await release?.();
    }
  }

  /** A jitter delay that cutWaits() cuts short; resolves false when it was cut. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.waits.delete(entry);
          resolve(true);
        }, ms),
        resolve,
      };
      this.waits.add(entry);
    });
  }

  /** Ends every jitter wait at once (shutdown): those ticks do not run. */
  cutWaits(): void {
    for (const entry of this.waits) {
      clearTimeout(entry.timer);
      entry.resolve(false);
    }
    this.waits.clear();
  }
}
