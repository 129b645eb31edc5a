import { Logger } from '@nestjs/common';
import type { EngineWatch } from '../../common/engine-guard.js';
import { OutageLog } from '../../common/outage-log.js';
import { sleep } from '../../common/timers.js';
import { redact, redactedMessage } from '../../common/redact.js';
import type { PrefectClient } from './prefect.client.js';
import { PrefectApiError, PrefectAuthError, PrefectUnreachableError } from './prefect.errors.js';

/**
 * What this process knows about its connection to Prefect, from the worker's loops: one WARN when an outage
 * starts and one LOG with its duration when it ends (not one line per loop and request), whether the last
 * failure was a 401, and the outage state that the engine guard (common/engine-guard.ts) checks before facade
 * calls while Prefect is down.
 */
export class PrefectConnection {
  private readonly logger = new Logger('HybridScheduler:PrefectWorker');
  private readonly outage: OutageLog;
  /** For guardEngine: facade calls fail with TierUnavailableError once an outage is unavailableTimeoutMs old. */
  readonly watch: EngineWatch;
  /**
   * Each source's failure until that source answers again (a one-off failure: until any answers). Per source:
   * a loop that works (the cancellation watch) must not hide one that keeps failing (the poll).
   */
  private readonly failures = new Map<string, { message: string; auth: boolean; oneOff: boolean }>();

  constructor(private readonly client: PrefectClient) {
    const address = redact(client.apiUrl);
    this.outage = new OutageLog(`Prefect at ${address}`, 'HybridScheduler:PrefectWorker');
    this.watch = { engine: 'prefect', address, outage: this.outage };
  }

  /** When the current outage (Prefect unreachable or answering 5xx) started, if one is going on. */
  get downSince(): Date | undefined {
    return this.outage.downSince;
  }

  /** The latest failure still standing (redacted), null when every source answered since. */
  get lastError(): string | null {
    return [...this.failures.values()].at(-1)?.message ?? null;
  }

  /** A standing failure is a 401: health says "authentication failed", not just down. */
  get authFailed(): boolean {
    return [...this.failures.values()].some((f) => f.auth);
  }

  failed(source: string, error: unknown, oneOff = false): void {
    const message = redactedMessage(error);
    const previous = this.failures.get(source)?.message;
    if (isOutage(error)) this.outage.fail(source, 'is unreachable: ' + message);
    else if (message !== previous) this.logger.warn(`Prefect worker ${source}: ${message}`);
    this.failures.delete(source); // re-inserted last: lastError is the latest
    this.failures.set(source, { message, auth: error instanceof PrefectAuthError, oneOff });
  }

  answered(source: string): void {
    this.outage.ok(source);
    for (const [key, failure] of this.failures)
      if (key === source || failure.oneOff) this.failures.delete(key);
  }
}

/** Waits between tries of a call that must reach Prefect eventually (a claim given back, a final state). */
export const RETRY_BACKOFF_MS = [500, 1000, 2000, 5000, 10_000, 30_000];

/**
 * `send()` again (the same request: the same transition id) while Prefect is down, with backoff, until it
 * answers or `stop` aborts; anything but an outage is thrown at once.
 */
export async function untilAnswered<T>(
  send: () => Promise<T>,
  stop: AbortSignal,
  logger: Logger,
  runId: string,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (!isOutage(error) || stop.aborted) throw error;
      if (attempt === 0)
        logger.warn(`Flow run ${runId}: its final state waits for Prefect (${redactedMessage(error)})`);
      if (!(await sleep(RETRY_BACKOFF_MS[Math.min(attempt, RETRY_BACKOFF_MS.length - 1)]!, stop)))
        throw error;
    }
  }
}

/** Unreachable, timed out, or a 5xx: the server is down, not refusing this request. */
export function isOutage(error: unknown): boolean {
  if (error instanceof PrefectUnreachableError) return true;
  return error instanceof PrefectApiError && error.status >= 500;
}
