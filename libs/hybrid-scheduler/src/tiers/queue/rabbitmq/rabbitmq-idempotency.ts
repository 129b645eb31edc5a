import type { RabbitMqBroker } from './rabbitmq-broker.js';
import type { RabbitMqTopology } from './rabbitmq-topology.js';

/**
 * Idempotency keys on a broker without deduplication: each key has a queue `<work>.key.<sha256>` that holds at
 * most one marker (`x-max-length: 1`, `x-overflow: reject-publish`). The first publish is confirmed; a second
 * one within `windowMs` (the marker's TTL) is nacked by the broker, atomically, whichever replica sends it.
 * So a key guarantees one job per window, even after that job has finished; the unused queue then expires.
 */
export async function claimIdempotencyKey(
  broker: RabbitMqBroker,
  topology: RabbitMqTopology,
  key: string,
  windowMs: number,
  jobKey: string,
): Promise<{ claimed: true } | { claimed: false; jobKey?: string }> {
  const queue = topology.idempotency(key);
  await broker.declare(queue, topology.idempotencyArgs(windowMs));
  try {
    await broker.publish(queue, { jobKey });
    return { claimed: true };
  } catch (error) {
    if ((error as { code?: string }).code !== 'NACK') throw error;
    return { claimed: false, jobKey: await holderOf(broker, queue) };
  }
}

/** Frees a key whose job could not be published, so that the caller's retry with the same key can create it. */
export async function releaseIdempotencyKey(
  broker: RabbitMqBroker,
  topology: RabbitMqTopology,
  key: string,
): Promise<void> {
  await broker.connection.queuePurge({ queue: topology.idempotency(key) }).catch(() => undefined);
}

/**
 * The job key stored in the marker (read with basic.get; closing the channel puts the marker back). Another
 * enqueue reading it at the same moment holds it briefly, so an empty read is tried again a few times.
 */
async function holderOf(broker: RabbitMqBroker, queue: string): Promise<string | undefined> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const ch = await broker.connection.acquire();
    try {
      const marker = await ch.basicGet({ queue, noAck: false });
      const body = marker?.body as { jobKey?: unknown } | undefined;
      if (typeof body?.jobKey === 'string') return body.jobKey;
      if (marker) return undefined;
    } finally {
      await ch.close().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 20));
  }
  return undefined;
}
