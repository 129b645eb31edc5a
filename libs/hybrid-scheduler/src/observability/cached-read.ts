/**
 * A value read at most once per `ttlMs`: concurrent callers share the read in flight, later ones get the last
 * value until it is older than `ttlMs` (what keeps a scrape's cost bounded whatever the scrape rate).
 */
export class CachedRead<T> {
  private value?: { at: number; result: Promise<T> };

  constructor(
    private readonly ttlMs: number,
    private readonly read: () => Promise<T>,
  ) {}

  get(): Promise<T> {
    const now = Date.now();
    if (this.value && now - this.value.at < this.ttlMs) return this.value.result;
    const result = this.read();
    this.value = { at: now, result };
    // A failed read is not cached: the next scrape tries again.
    result.catch(() => {
      if (this.value?.result === result) this.value = undefined;
    });
    return result;
  }
}
