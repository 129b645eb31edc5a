/**
 * At most `max` starts per `durationMs` in this process (a sliding window): `take()` waits for a free slot.
 * RabbitMQ has no broker-side rate limit, so a workflow's `rateLimit` holds per consuming process.
 */
export class RateWindow {
  private readonly starts: number[] = [];

  constructor(
    private readonly max: number,
    private readonly durationMs: number,
  ) {}

  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.starts.length && this.starts[0] <= now - this.durationMs) this.starts.shift();
      if (this.starts.length < this.max) {
        this.starts.push(now);
        return;
      }
      if (signal?.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, this.starts[0] + this.durationMs - now));
    }
  }
}
