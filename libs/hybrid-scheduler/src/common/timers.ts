/** Node runs a timeout longer than this (~24.8 days) after 1 ms instead: longer waits are chained in steps. */
export const MAX_TIMER_MS = 2_147_483_647;

/** A pending call of `timerAt`/`timerAfter`; `clear()` cancels it (a no-op once it ran). */
export interface LongTimer {
  clear(): void;
}

/**
 * Calls `callback` once the clock reaches `at` (epoch ms; at once if it is past), however far ahead: the wait
 * is chained in steps of at most MAX_TIMER_MS, and a step that fires early re-arms. `unref` lets the process
 * exit while it waits.
 */
export function timerAt(at: number, callback: () => void, options: { unref?: boolean } = {}): LongTimer {
  let handle: NodeJS.Timeout | undefined;
  let cleared = false;
  const arm = (): void => {
    handle = setTimeout(
      () => {
        if (cleared) return;
        if (Date.now() < at) return arm();
        cleared = true;
        callback();
      },
      Math.min(Math.max(0, at - Date.now()), MAX_TIMER_MS),
    );
    if (options.unref) handle.unref();
  };
  arm();
  return {
    clear: () => {
      cleared = true;
      clearTimeout(handle);
    },
  };
}

/** `timerAt(now + delayMs)`. */
export const timerAfter = (delayMs: number, callback: () => void, options?: { unref?: boolean }): LongTimer =>
  timerAt(Date.now() + delayMs, callback, options);

/**
 * Waits `ms`; resolves true when the wait ran out, false as soon as `signal` aborts (at once if it already
 * has). Never rejects, so a shutdown that aborts the signal ends the wait without an error to catch.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      timer.clear();
      resolve(false);
    };
    const timer = timerAfter(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
