import { TaskCancelledError } from '../errors/index.js';

/** At most `size` holders at once; the others wait in order. Used by `ctx.map`'s `concurrency`. */
export class Slots {
  private held = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  /** Resolves with a release function once a slot is free; rejects if `signal` aborts while waiting. */
  acquire(signal: AbortSignal): Promise<() => void> {
    const release = () => {
      this.held--;
      this.waiting.shift()?.();
    };
    const once = () => {
      let done = false;
      return () => {
        if (!done) ((done = true), release());
      };
    };
    if (this.held < this.size) {
      this.held++;
      return Promise.resolve(once());
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener('abort', onAbort);
        this.held++;
        resolve(once());
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(
          signal.reason instanceof Error ? signal.reason : new TaskCancelledError(String(signal.reason)),
        );
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }
}
