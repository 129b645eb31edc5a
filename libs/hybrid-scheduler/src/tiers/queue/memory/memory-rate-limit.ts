import type { RateLimitOptions } from '../../../interfaces/index.js';
import { RateWindow } from '../rate-window.js';

/** The memory engine's pump-driven use of a RateWindow: when full, `wake` runs once a slot frees. */
export class MemoryRateLimit {
  private readonly window?: RateWindow;
  private timer?: NodeJS.Timeout;

  constructor(
    rate: RateLimitOptions | undefined,
    private readonly wake: () => void,
  ) {
    if (rate) this.window = new RateWindow(rate.max, rate.durationMs);
  }

  /** Takes a slot if one is free (then the caller starts a job), else arms the wake-up and says no. */
  take(): boolean {
    const wait = this.window?.tryTake() ?? 0;
    if (wait === 0) return true;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.wake();
    }, wait);
    return false;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
