/**
 * Decides which replica runs a tick of a `singleton` internal task. Implemented by a Redis lease
 * (SET NX PX with renewal and a fencing token) when Redis is configured.
 */
export interface TickLock {
  /** Tries to take the lease for this tick; resolves to a release function, or null when another replica has it. */
  acquire(jobId: string, scheduledAt: Date, ttlMs: number): Promise<(() => Promise<void>) | null>;
  close(): Promise<void>;
}

export const INTERNAL_TICK_LOCK = Symbol('HYBRID_SCHEDULER_INTERNAL_TICK_LOCK');
