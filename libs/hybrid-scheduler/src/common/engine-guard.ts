import { TierUnavailableError } from '../errors/index.js';
import type { OutageLog } from './outage-log.js';

/** An engine whose server outages are tracked: what a call checks before and while it needs the engine. */
export interface EngineWatch {
  engine: string;
  /** `host:port` or URL without credentials. */
  address: string;
  outage: Pick<OutageLog, 'downSince' | 'lastReason'>;
}

/** One guarded call: the engine it needs, what it does (for the error) and how long an outage may last. */
interface Guard {
  watch: EngineWatch;
  action: string;
  timeoutMs: number;
  /** How often a call under way checks the outage's age. */
  step: number;
  /** One request to the engine: it also fails once the engine has answered nothing for timeoutMs. */
  oneRequest: boolean;
}

const unavailable = ({ watch, action, timeoutMs }: Guard, cause?: unknown) => {
  const since = watch.outage.downSince;
  return new TierUnavailableError(
    `${action}: the ${watch.engine} engine at ${watch.address} is unavailable` +
      (since ? ` since ${since.toISOString()}` : '') +
      (watch.outage.lastReason ? ` (${watch.outage.lastReason})` : '') +
      `; gave up after waiting ${timeoutMs}ms (unavailableTimeoutMs)`,
    { cause, engine: watch.engine, address: watch.address },
  );
};

/**
 * An engine that holds its connection open but answers nothing (a frozen or overloaded server): no outage is
 * ever reported, so the call is bounded by the time since the engine's last answer to any guarded call.
 */
const silent = ({ watch, action, timeoutMs }: Guard, cause?: unknown) =>
  new TierUnavailableError(
    `${action}: the ${watch.engine} engine at ${watch.address} did not answer within ${timeoutMs}ms ` +
      `(unavailableTimeoutMs); the call may still take effect once it answers (retry with an idempotency key)`,
    { cause, engine: watch.engine, address: watch.address },
  );

/** The engine client's own timeout (the NATS client's request timeout, …): the engine did not answer. */
const isTimeout = (error: unknown): boolean => error instanceof Error && error.name === 'TimeoutError';

/** How long the outage has lasted, in ms; 0 while the engine answers. */
const outageAge = (watch: EngineWatch): number => {
  const since = watch.outage.downSince;
  return since ? Date.now() - since.getTime() : 0;
};

/**
 * Runs `op` against an engine so that no caller hangs on an outage: when the engine is known to be down, the
 * call waits until the outage is `timeoutMs` old (a short blip passes), then throws TierUnavailableError naming
 * engine and address without calling the engine; a call under way when an outage starts fails the same way
 * once the outage is `timeoutMs` old (the engine client may still deliver it when the server is back). With
 * `oneRequest` (an enqueue: one command, answered in milliseconds) the call also fails once the engine answered
 * nothing for `timeoutMs`: a frozen server is never seen as an outage. Not for calls whose work takes long (a
 * listing, a purge): their time is theirs.
 */
export function guardEngine<T>(
  watch: EngineWatch | undefined,
  timeoutMs: number,
  action: string,
  op: () => Promise<T>,
  oneRequest = false,
): Promise<T> {
  if (!watch) return started(op);
  const guard: Guard = {
    watch,
    action,
    timeoutMs,
    step: Math.max(10, Math.min(100, Math.floor(timeoutMs / 10))),
    oneRequest,
  };
  // Not async: while the engine answers, `op` starts in the caller's turn (the enqueue path's latency).
  return watch.outage.downSince ? afterOutage(guard, op) : guardedCall(guard, op);
}

/** `op()`, with a synchronous throw turned into a rejection (as an async function would). */
function started<T>(op: () => Promise<T>): Promise<T> {
  try {
    return op();
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Waits while the engine is known to be down (a short blip passes), failing once the outage is timeoutMs old. */
async function afterOutage<T>(guard: Guard, op: () => Promise<T>): Promise<T> {
  while (guard.watch.outage.downSince) {
    if (outageAge(guard.watch) >= guard.timeoutMs) throw unavailable(guard);
    await new Promise((resolve) => setTimeout(resolve, guard.step).unref());
  }
  return guardedCall(guard, op);
}

/** Runs `op`, failing it once an outage that starts meanwhile is timeoutMs old (or, oneRequest, the engine is silent). */
function guardedCall<T>(guard: Guard, op: () => Promise<T>): Promise<T> {
  const { watch, timeoutMs } = guard;
  const since = Date.now();
  return new Promise<T>((resolve, reject) => {
    const state = callWatch(watch);
    const check = (now: number): boolean => {
      if (watch.outage.downSince) {
        if (outageAge(watch) < timeoutMs) return false;
        reject(unavailable(guard));
        return true;
      }
      if (!guard.oneRequest || now - Math.max(since, state.lastAnswer) < timeoutMs) return false;
      state.silentSince ??= new Date(since);
      reject(silent(guard));
      return true;
    };
    const stop = watchCall(state, guard.step, check);
    started(op).then(
      (value) => {
        stop(true);
        resolve(value);
      },
      (error: unknown) => {
        const timedOut = isTimeout(error);
        stop(!timedOut);
        if (timedOut) state.silentSince ??= new Date(since);
        // The engine client's own error while the server is away (ioredis MaxRetriesPerRequestError…).
        if (watch.outage.downSince) reject(unavailable(guard, error));
        else reject(timedOut ? silent(guard, error) : error);
      },
    );
  });
}

/** The calls under way against one engine, the one timer that checks them all, and when it last answered. */
interface CallWatch {
  calls: Set<(now: number) => boolean>;
  timer?: NodeJS.Timeout;
  lastAnswer: number;
  /** Set when a call failed because the engine answered nothing; cleared by its next answer (health reads it). */
  silentSince?: Date;
}
const watched = new WeakMap<EngineWatch, CallWatch>();

const callWatch = (watch: EngineWatch): CallWatch => {
  let entry = watched.get(watch);
  if (!entry) watched.set(watch, (entry = { calls: new Set(), lastAnswer: 0 }));
  return entry;
};

/**
 * Adds a call's check to its engine's set; one interval per engine (not one per call: a burst of 10,000
 * enqueues would arm 10,000 timers) runs the checks while calls are under way. Returns the call's removal,
 * told whether the engine answered it.
 */
function watchCall(
  state: CallWatch,
  step: number,
  check: (now: number) => boolean,
): (answered: boolean) => void {
  const idle = () => {
    if (state.calls.size > 0 || !state.timer) return;
    clearInterval(state.timer);
    state.timer = undefined;
  };
  state.calls.add(check);
  if (!state.timer) {
    state.timer = setInterval(() => {
      const now = Date.now();
      for (const call of state.calls) if (call(now)) state.calls.delete(call);
      idle();
    }, step);
    state.timer.unref();
  }
  return (answered) => {
    if (answered) {
      state.lastAnswer = Date.now();
      state.silentSince = undefined;
    }
    state.calls.delete(check);
    idle();
  };
}

/**
 * Since when the engine has answered nothing, as an enqueue that gave up on it found (a frozen server shows no
 * outage to its client); undefined once it answered again.
 */
export const silentSince = (watch: EngineWatch): Date | undefined => watched.get(watch)?.silentSince;

/** Whether the engine is known to be down right now (listJobs answers from the last known state then). */
export const isDown = (watch: EngineWatch | undefined): boolean => !!watch?.outage.downSince;
