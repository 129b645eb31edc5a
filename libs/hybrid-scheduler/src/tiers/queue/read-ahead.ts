/**
 * Messages a broker consumer asks for per concurrency slot (NATS pull size, RabbitMQ prefetch): one batch read
 * ahead, so that the next messages are on their way while the handlers run, instead of a round trip to the
 * server between every two jobs (concurrency 1) or the next delivery waiting for a slot to free (concurrency
 * 10 and up). The cost: up to `concurrency` more messages per process held unacknowledged, given back when
 * the process's connection or channel is lost.
 */
export const READ_AHEAD_PER_SLOT = 2;

/** What a consumer with `concurrency` slots asks the broker for. */
export const readAhead = (concurrency: number): number => concurrency * READ_AHEAD_PER_SLOT;
