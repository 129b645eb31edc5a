import type { RateLimitOptions } from '../../../interfaces/index.js';

/** A sliding-window limiter: at most `max` starts per `durationMs`; when full, `wake` runs once a slot frees. */
export class MemoryRateLimit {
  private readonly starts: number[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly rate: RateLimitOptions | undefined,
    private readonly wake: () => void,
  ) {}

  /** Takes a slot if one is free (then the caller starts a job), else arms the wake-up and says no. */
  take(): boolean {
    const rate = this.rate;
    if (!rate) return true;
    const now = Date.now();
    while (this.starts.length && this.starts[0] <= now - rate.durationMs) this.starts.shift();
    if (this.starts.length < rate.max) {
      this.starts.push(now);
      return true;
    }
    this.timer ??= setTimeout(
      () => {
        this.timer = undefined;
        this.wake();
      },
      this.starts[0] + rate.durationMs - now,
    );
    return false;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
