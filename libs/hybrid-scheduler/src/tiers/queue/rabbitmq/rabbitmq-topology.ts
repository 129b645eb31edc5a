import { createHash } from 'node:crypto';

/**
 * Queue names and arguments of one workflow on RabbitMQ. Everything goes through the default exchange, so a
 * plain producer publishes to the queue `<prefix>.<workflow>` with a JSON body.
 */

/** Highest AMQP priority of a work queue (classic queues; RabbitMQ 3.10 quorum queues have no priorities). */
export const MAX_PRIORITY = 10;

/** Delay queue TTLs: 1-2-5 steps from 100 ms to 20 days. A delay takes the largest step that fits, then the rest. */
export const DELAY_STEPS_MS: readonly number[] = [2, 3, 4, 5, 6, 7, 8, 9].flatMap((exponent) =>
  [1, 2, 5].map((m) => m * 10 ** exponent).filter((ms) => ms <= 2_000_000_000),
);
/** Below this a due message is held in the consumer instead of taking another hop. */
export const SMALLEST_STEP_MS = DELAY_STEPS_MS[0];
/** An unused delay queue is deleted this long after its last message could have expired. */
const DELAY_QUEUE_EXPIRY_MS = 10 * 60_000;

/** Priority of EnqueueOptions (lower runs first, 1 = highest, none = highest as in BullMQ) → AMQP priority. */
export function amqpPriority(priority: number | undefined): number {
  if (priority === undefined) return MAX_PRIORITY;
  return Math.max(1, MAX_PRIORITY - Math.round(priority));
}

/** The largest delay step not above `remainingMs`, or undefined when the rest is below the smallest step. */
export function delayStep(remainingMs: number): number | undefined {
  let step: number | undefined;
  for (const candidate of DELAY_STEPS_MS) if (candidate <= remainingMs) step = candidate;
  return step;
}

export class RabbitMqTopology {
  constructor(
    readonly prefix: string,
    readonly workflow: string,
  ) {}

  get work(): string {
    return `${this.prefix}.${this.workflow}`;
  }

  get dead(): string {
    return `${this.work}.dead`;
  }

  get ticker(): string {
    return `${this.work}.ticker`;
  }

  delay(stepMs: number): string {
    return `${this.work}.delay.${stepMs}`;
  }

  idempotency(key: string): string {
    return `${this.work}.key.${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
  }

  /** Durable classic queue with priorities; rejected messages (undecodable bodies) go to the dead queue. */
  workArgs(): Record<string, unknown> {
    return {
      'x-max-priority': MAX_PRIORITY,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': this.dead,
    };
  }

  /** Messages wait out the TTL, then the broker dead-letters them back into the work queue. */
  delayArgs(stepMs: number): Record<string, unknown> {
    return {
      'x-message-ttl': stepMs,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': this.work,
      'x-expires': stepMs + DELAY_QUEUE_EXPIRY_MS,
    };
  }

  /** One consumer of all replicas is active; the queue holds the one ticker token (plus at most one spare). */
  tickerArgs(): Record<string, unknown> {
    return { 'x-single-active-consumer': true, 'x-max-length': 1 };
  }

  /**
   * Holds one marker per key: a second publish is nacked by the broker until the marker expires. Never read:
   * the limit counts only ready messages, so a marker held by a reader would let another publish in.
   */
  idempotencyArgs(windowMs: number): Record<string, unknown> {
    return {
      'x-max-length': 1,
      'x-overflow': 'reject-publish',
      'x-message-ttl': windowMs,
      'x-expires': windowMs + 60_000,
    };
  }

  /** The job key that claimed `key`, for the enqueues that find it taken (`<key queue>.holder`). */
  idempotencyHolder(key: string): string {
    return `${this.idempotency(key)}.holder`;
  }

  /** One holder message, written once by the claimant, for the key's window. */
  idempotencyHolderArgs(windowMs: number): Record<string, unknown> {
    return { 'x-max-length': 1, 'x-message-ttl': windowMs, 'x-expires': windowMs + 60_000 };
  }
}
