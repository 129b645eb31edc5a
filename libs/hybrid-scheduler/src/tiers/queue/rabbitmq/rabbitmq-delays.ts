import type { Envelope } from 'rabbitmq-client';
import type { RabbitMqBroker } from './rabbitmq-broker.js';
import { DELAY_STEPS_MS, delayStep, type RabbitMqTopology } from './rabbitmq-topology.js';

/**
 * Delayed delivery without the delayed-message plugin: a message due later waits in the TTL queue of the
 * largest delay step that fits (`<work>.delay.<ms>`, one TTL per queue so expiry is FIFO), which dead-letters
 * it back into the work queue; a consumer that gets it before its `x-hs-due-at` sends it on for the rest.
 * A delay of d takes at most ~3 hops per decade of d, and each hop waits behind the work queue's backlog.
 */
export async function publishDue(
  broker: RabbitMqBroker,
  topology: RabbitMqTopology,
  body: unknown,
  envelope: Omit<Envelope, 'routingKey'>,
  dueAt: number | undefined,
): Promise<void> {
  const step = dueAt === undefined ? undefined : delayStep(dueAt - Date.now());
  if (step === undefined) {
    await broker.publish(topology.work, body, envelope);
    return;
  }
  const queue = topology.delay(step);
  await broker.declare(queue, topology.delayArgs(step));
  await broker.publish(queue, body, envelope);
}

/** Messages waiting in the workflow's delay queues. */
export async function delayedCount(broker: RabbitMqBroker, topology: RabbitMqTopology): Promise<number> {
  const counts = await Promise.all(DELAY_STEPS_MS.map((step) => broker.messageCount(topology.delay(step))));
  return counts.reduce((sum, n) => sum + n, 0);
}
