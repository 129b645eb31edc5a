import type { ResolvedNatsOptions } from '../../../config/module-options.js';
import { DEFAULT_KEY_PREFIX } from '../../../common/key-prefix.js';

/** `queue.nats` with the engine's defaults applied. */
export interface NatsSettings {
  options: ResolvedNatsOptions;
  stream: string;
  ackWaitMs: number;
  duplicateWindowMs: number;
  maxAckPending: number;
}

export const DEFAULT_ACK_WAIT_MS = 30_000;
export const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;
export const DEFAULT_MAX_ACK_PENDING = 1000;
/** Delayed jobs (incl. retries waiting for their backoff) of one workflow that are timed by the server at once. */
export const DELAYED_MAX_ACK_PENDING = 100_000;
/**
 * Ack wait of the delayed consumers. A NAK's delay is not kept across a server restart: held messages come back
 * after the consumer's ack wait, so it is short (moving a due message takes one publish; a redelivery meanwhile
 * publishes the same message id, which the stream drops).
 */
export const DELAYED_ACK_WAIT_MS = 2_000;
/** Pull requests wait this long for messages before the next one (the client's minimum). */
export const FETCH_EXPIRES_MS = 1000;
/** A job delivered this many times more than its attempts without any attempt ending is dead-lettered. */
export const UNFINISHED_DELIVERIES = 10;

export const natsSettings = (options: ResolvedNatsOptions): NatsSettings => ({
  options,
  stream: options.stream ?? DEFAULT_KEY_PREFIX,
  ackWaitMs: options.ackWaitMs ?? DEFAULT_ACK_WAIT_MS,
  duplicateWindowMs: options.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS,
  maxAckPending: options.maxAckPending ?? DEFAULT_MAX_ACK_PENDING,
});
