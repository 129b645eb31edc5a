import { TaskCancelledError, TaskTimeoutError } from '../errors/index.js';

/** The reason a run ends when `signal` (from outside, or the run's own) aborts. */
const reasonOf = (signal: AbortSignal, jobId: string): Error => {
  const reason: unknown = signal.reason ?? new TaskCancelledError(`Job "${jobId}" was cancelled`);
  return reason instanceof Error ? reason : new Error(String(reason));
};

/**
 * A run's abort state (its `ctx.signal`, timeout, abort from outside) at the cost the run asks for: with a
 * timeout the controller and its timer exist from the start; without one, the AbortController is created only
 * when the handler reads `ctx.signal`, and an async handler is raced against the outside signal itself (one
 * listener, removed when the run settles). Nothing is allocated for a run that has neither.
 */
export class RunAbort {
  private controller?: AbortController;
  private unlink?: () => void;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly jobId: string,
    private readonly outside: AbortSignal | undefined,
    private readonly timeoutMs: number | undefined,
  ) {
    if (timeoutMs) this.link();
  }

  /** `ctx.signal`: aborted by the timeout, by the outside signal (shutdown, cancellation), never otherwise. */
  get signal(): AbortSignal {
    return (this.controller ?? this.link()).signal;
  }

  /**
   * Settles like `execution`, or rejects first with the abort reason (TaskTimeoutError, TaskCancelledError or
   * the outside signal's reason) when the run is aborted; the handler itself may go on.
   */
  race(execution: Promise<unknown>): Promise<unknown> {
    const source = this.timeoutMs ? this.controller!.signal : this.outside;
    if (!source) return execution;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.stopTimer();
        reject(reasonOf(source, this.jobId));
      };
      if (source.aborted) return onAbort();
      source.addEventListener('abort', onAbort, { once: true });
      if (this.timeoutMs) {
        const ms = this.timeoutMs;
        this.timer = setTimeout(() => this.controller!.abort(new TaskTimeoutError(this.jobId, ms)), ms);
      }
      const done = () => {
        this.stopTimer();
        source.removeEventListener('abort', onAbort);
      };
      execution.then(
        (value) => {
          done();
          resolve(value);
        },
        (error: unknown) => {
          done();
          reject(error);
        },
      );
    });
  }

  /** Drops the listener on the outside signal (the run is over). */
  release(): void {
    this.stopTimer();
    this.unlink?.();
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private link(): AbortController {
    const controller = (this.controller = new AbortController());
    const outside = this.outside;
    if (!outside) return controller;
    const abort = () => controller.abort(reasonOf(outside, this.jobId));
    if (outside.aborted) abort();
    else {
      outside.addEventListener('abort', abort, { once: true });
      this.unlink = () => outside.removeEventListener('abort', abort);
    }
    return controller;
  }
}
