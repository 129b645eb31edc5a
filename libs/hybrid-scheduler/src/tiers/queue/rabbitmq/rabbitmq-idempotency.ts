import type { RabbitMqBroker } from './rabbitmq-broker.js';
import type { RabbitMqTopology } from './rabbitmq-topology.js';

/**
 * Idempotency keys on a broker without deduplication: each key has a queue `<work>.key.<sha256>` that holds at
 * most one marker (`x-max-length: 1`, `x-overflow: reject-publish`). The first publish is confirmed; a second
 * one within `windowMs` (the marker's TTL) is nacked by the broker, atomically, whichever replica sends it.
 * So a key guarantees one job per window, even after that job has finished; the unused queue then expires.
 * The claimant then writes its job key into `<key queue>.holder`, which the others read: reading the marker
 * itself would take it out of the ready count for a moment and let a third publish in.
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
  const holder = topology.idempotencyHolder(key);
  try {
    await broker.publish(queue, { jobKey });
  } catch (error) {
    if ((error as { code?: string }).code !== 'NACK') throw error;
    return { claimed: false, jobKey: await holderOf(broker, holder) };
  }
  await broker.declare(holder, topology.idempotencyHolderArgs(windowMs));
  await broker.publish(holder, { jobKey });
  return { claimed: true };
}

/** Frees a key whose job could not be published, so that the caller's retry with the same key can create it. */
export async function releaseIdempotencyKey(
  broker: RabbitMqBroker,
  topology: RabbitMqTopology,
  key: string,
): Promise<void> {
  await broker.connection.queuePurge({ queue: topology.idempotency(key) }).catch(() => undefined);
  await broker.connection.queuePurge({ queue: topology.idempotencyHolder(key) }).catch(() => undefined);
}

/**
 * The job key in the holder queue (read with basic.get; closing the channel puts it back). Another enqueue
 * reading it at the same moment holds it briefly, and the claimant may not have written it yet, so an empty
 * read (or a missing queue) is tried again a few times.
 */
async function holderOf(broker: RabbitMqBroker, queue: string): Promise<string | undefined> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const ch = await broker.connection.acquire();
    try {
      const holder = await ch.basicGet({ queue, noAck: false });
      const body = holder?.body as { jobKey?: unknown } | undefined;
      if (typeof body?.jobKey === 'string') return body.jobKey;
      if (holder) return undefined;
    } catch (error) {
      if ((error as { code?: string }).code !== 'NOT_FOUND') throw error;
    } finally {
      await ch.close().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 20));
  }
  return undefined;
}
