import type { RabbitMqBroker } from './rabbitmq-broker.js';
import type { JobEnvelope } from './rabbitmq-message.js';
import { DELAY_STEPS_MS, delayStep, type RabbitMqTopology } from './rabbitmq-topology.js';

/**
 * Delayed delivery without the delayed-message plugin: a message due later waits in the TTL queue of the
 * largest delay step that fits (`<work>.delay.<ms>`, one TTL per queue so expiry is FIFO), which dead-letters
 * it back into the work queue; a consumer that gets it before its `x-hs-due-at` sends it on for the rest.
 * A delay of d takes at most ~3 hops per decade of d, and each hop waits behind the work queue's backlog.
 */
export function publishDue(
  broker: RabbitMqBroker,
  topology: RabbitMqTopology,
  body: unknown,
  envelope: JobEnvelope,
  dueAt: number | undefined,
): Promise<void> {
  const step = dueAt === undefined ? undefined : delayStep(dueAt - Date.now());
  // Due now (the common case): the publish itself, no async layer around it.
  if (step === undefined) return broker.publish(topology.work, body, envelope);
  return publishDelayed(broker, topology, body, envelope, step);
}

async function publishDelayed(
  broker: RabbitMqBroker,
  topology: RabbitMqTopology,
  body: unknown,
  envelope: JobEnvelope,
  step: number,
): Promise<void> {
  const queue = topology.delay(step);
  await broker.declare(queue, topology.delayArgs(step));
  knownOf(topology).steps.add(step);
  await broker.publish(queue, body, envelope);
}

/** Delay steps known to have a queue, per workflow in this process, and when all steps were last looked at. */
const known = new WeakMap<RabbitMqTopology, { steps: Set<number>; scannedAt: number }>();
/** How often counting looks at every step (delay queues another replica created show up by then). */
const RESCAN_MS = 60_000;

const knownOf = (topology: RabbitMqTopology) => {
  let entry = known.get(topology);
  if (!entry) known.set(topology, (entry = { steps: new Set(), scannedAt: 0 }));
  return entry;
};

/**
 * Messages waiting in the workflow's delay queues. Looks at the steps known to have a queue (declared here or
 * found before), and at all 25 on the first count and once a minute: a passive declare per queue, each on a
 * channel of its own (a missing queue closes the channel). Never at boot: 25 channel opens per workflow held
 * up the first enqueues after boot by ~50 ms (the bench's p99 at concurrency 50).
 */
export async function delayedCount(broker: RabbitMqBroker, topology: RabbitMqTopology): Promise<number> {
  const entry = knownOf(topology);
  const scan = Date.now() - entry.scannedAt > RESCAN_MS;
  if (scan) entry.scannedAt = Date.now();
  const steps = scan ? DELAY_STEPS_MS : [...entry.steps];
  const sizes = await Promise.all(
    steps.map(async (step) => {
      const size = await broker.queueSize(topology.delay(step));
      if (size === undefined) entry.steps.delete(step);
      else entry.steps.add(step);
      return size ?? 0;
    }),
  );
  return sizes.reduce((sum, n) => sum + n, 0);
}
