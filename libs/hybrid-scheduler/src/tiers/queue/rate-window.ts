import { sleep } from '../../common/timers.js';

/**
 * At most `max` starts per `durationMs` in this process (a sliding window). Engines without a broker-side rate
 * limit (memory, RabbitMQ, NATS) hold a workflow's `rateLimit` with it, per consuming process.
 */
export class RateWindow {
  private readonly starts: number[] = [];

  constructor(
    private readonly max: number,
    private readonly durationMs: number,
  ) {}

  /** Takes a slot and returns 0, or returns the ms until one frees (taking nothing). */
  tryTake(now = Date.now()): number {
    while (this.starts.length && this.starts[0] <= now - this.durationMs) this.starts.shift();
    if (this.starts.length < this.max) {
      this.starts.push(now);
      return 0;
    }
    return this.starts[0] + this.durationMs - now;
  }

  /** Waits for a free slot and takes it; returns without one as soon as `signal` aborts. */
  async take(signal?: AbortSignal): Promise<void> {
    for (let wait = this.tryTake(); wait > 0; wait = this.tryTake()) {
      if (!(await sleep(wait, signal))) return;
    }
  }
}
