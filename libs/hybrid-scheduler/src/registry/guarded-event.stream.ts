import type { Logger } from '@nestjs/common';
import {
  Observable,
  Subscriber,
  type Observer,
  type Operator,
  type Subscription,
  type TeardownLogic,
} from 'rxjs';

interface Described {
  type?: unknown;
  jobId?: unknown;
}

const describe = (value: unknown): string => {
  const event = (typeof value === 'object' && value !== null ? value : {}) as Described;
  return typeof event.type === 'string' && typeof event.jobId === 'string'
    ? `a "${event.type}" event of ${event.jobId}`
    : 'an event';
};

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const stackOf = (error: unknown): string | undefined => (error instanceof Error ? error.stack : undefined);

/**
 * An Observable whose subscribers cannot crash the process. rxjs reports an error thrown by a `next` callback
 * (and an error notification nobody handles) by rethrowing it on a timer, i.e. as an uncaught exception. Here
 * each subscriber's callbacks are wrapped: a throw is logged once per subscriber, naming the event, and the
 * subscriber, the other subscribers and the jobs keep going. Operators keep the guard (`pipe` goes through
 * `lift`), so `events$.pipe(filter(...)).subscribe(fn)` is guarded too.
 */
export class GuardedEventStream<T> extends Observable<T> {
  private static count = 0;

  constructor(
    private readonly logger: Logger,
    subscribe?: (this: Observable<T>, subscriber: Subscriber<T>) => TeardownLogic,
  ) {
    super(subscribe);
  }

  override lift<R>(operator?: Operator<T, R>): Observable<R> {
    const observable = new GuardedEventStream<R>(this.logger);
    observable.source = this;
    observable.operator = operator;
    return observable;
  }

  override subscribe(
    observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null,
    error?: ((error: unknown) => void) | null,
    complete?: (() => void) | null,
  ): Subscription {
    // Subscribers rxjs makes itself (operators, firstValueFrom) route their own errors; only user callbacks
    // need the guard.
    if (observerOrNext instanceof Subscriber) return super.subscribe(observerOrNext);
    const observer: Partial<Observer<T>> =
      typeof observerOrNext === 'function' || observerOrNext == null
        ? { next: observerOrNext ?? undefined, error: error ?? undefined, complete: complete ?? undefined }
        : observerOrNext;
    const named = typeof observerOrNext === 'function' && observerOrNext.name;
    return super.subscribe(this.guard(observer, named ? `"${named}"` : `#${++GuardedEventStream.count}`));
  }

  private guard(observer: Partial<Observer<T>>, name: string): Observer<T> {
    let logged = false;
    const report = (what: string, thrown: unknown) => {
      if (logged) return;
      logged = true;
      this.logger.error(
        `Job event listener ${name} threw on ${what}: ${messageOf(thrown)}. It keeps receiving events; ` +
          'its further errors are not logged.',
        stackOf(thrown),
      );
    };
    return {
      next: (value) => {
        try {
          observer.next?.call(observer, value);
        } catch (thrown) {
          report(describe(value), thrown);
        }
      },
      error: (thrown: unknown) => {
        if (!observer.error) {
          this.logger.error(
            `Job event subscriber ${name} ended with an error it does not handle: ${messageOf(thrown)}`,
            stackOf(thrown),
          );
          return;
        }
        try {
          observer.error.call(observer, thrown);
        } catch (again) {
          report('an error notification', again);
        }
      },
      complete: () => {
        try {
          observer.complete?.call(observer);
        } catch (thrown) {
          report('completion', thrown);
        }
      },
    };
  }
}
