import { Injectable } from '@nestjs/common';

interface Entry {
  value: unknown;
  expiresAt: number;
}

/** A small TTL cache the demo's controllers could use; expired entries are swept by the cache-cleanup job. */
@Injectable()
export class CacheStore {
  private readonly entries = new Map<string, Entry>();

  set(key: string, value: unknown, ttlMs: number): void {
    this.entries.set(key, { value, expiresAt: Date.now() + ttlMs });
  }

  get(key: string): unknown {
    const entry = this.entries.get(key);
    return entry && entry.expiresAt > Date.now() ? entry.value : undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Removes expired entries; returns how many. */
  sweep(now = Date.now()): number {
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) {
        this.entries.delete(key);
        removed++;
      }
    }
    return removed;
  }
}
