import { TierUnavailableError } from '../errors/index.js';
import type { OutageLog } from './outage-log.js';

/** An engine whose server outages are tracked: what a call checks before and while it needs the engine. */
export interface EngineWatch {
  engine: string;
  /** `host:port` or URL without credentials. */
  address: string;
  outage: Pick<OutageLog, 'downSince' | 'lastReason'>;
}

const unavailable = (watch: EngineWatch, action: string, timeoutMs: number, cause?: unknown) => {
  const since = watch.outage.downSince;
  return new TierUnavailableError(
    `${action}: the ${watch.engine} engine at ${watch.address} is unavailable` +
      (since ? ` since ${since.toISOString()}` : '') +
      (watch.outage.lastReason ? ` (${watch.outage.lastReason})` : '') +
      `; gave up after waiting ${timeoutMs}ms (unavailableTimeoutMs)`,
    { cause, engine: watch.engine, address: watch.address },
  );
};

/** How long the outage has lasted, in ms; 0 while the engine answers. */
const outageAge = (watch: EngineWatch): number => {
  const since = watch.outage.downSince;
  return since ? Date.now() - since.getTime() : 0;
};

/**
 * Runs `op` against an engine so that no caller hangs on an outage: when the engine is known to be down, the
 * call waits until the outage is `timeoutMs` old (a short blip passes), then throws TierUnavailableError naming
 * engine and address without calling the engine; a call under way when an outage starts fails the same way
 * once the outage is `timeoutMs` old (the engine client may still deliver it when the server is back).
 */
export async function guardEngine<T>(
  watch: EngineWatch | undefined,
  timeoutMs: number,
  action: string,
  op: () => Promise<T>,
): Promise<T> {
  if (!watch) return op();
  const step = Math.max(10, Math.min(100, Math.floor(timeoutMs / 10)));
  while (watch.outage.downSince) {
    if (outageAge(watch) >= timeoutMs) throw unavailable(watch, action, timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, step).unref());
  }
  return new Promise<T>((resolve, reject) => {
    const timer = setInterval(() => {
      if (outageAge(watch) < timeoutMs || !watch.outage.downSince) return;
      clearInterval(timer);
      reject(unavailable(watch, action, timeoutMs));
    }, step);
    timer.unref();
    op().then(
      (value) => {
        clearInterval(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearInterval(timer);
        // The engine client's own error while the server is away (ioredis MaxRetriesPerRequestError…).
        reject(watch.outage.downSince ? unavailable(watch, action, timeoutMs, error) : error);
      },
    );
  });
}

/** Whether the engine is known to be down right now (listJobs answers from the last known state then). */
export const isDown = (watch: EngineWatch | undefined): boolean => !!watch?.outage.downSince;
