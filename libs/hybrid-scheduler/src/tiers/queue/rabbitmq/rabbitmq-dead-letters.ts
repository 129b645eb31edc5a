import type { Channel, SyncMessage } from 'rabbitmq-client';
import { DeadLetterNotFoundError } from '../../../errors/index.js';
import type { DeadLetter } from '../../../interfaces/index.js';
import type { EnqueuedJob } from '../queue-engine.interface.js';
import type { RabbitMqBroker } from './rabbitmq-broker.js';
import { decodeBody, deliveredJob, failureOf, deadLetterKeyOf, jobEnvelope } from './rabbitmq-message.js';
import type { RabbitMqTopology } from './rabbitmq-topology.js';

/** Most dead letters one listing reads. */
const MAX_LISTED = 1000;

const deathReason = (msg: SyncMessage): string | undefined => {
  const deaths: unknown = msg.headers?.['x-death'];
  const first = Array.isArray(deaths) ? (deaths[0] as { reason?: unknown; queue?: unknown }) : undefined;
  return first ? `rejected by the consumer of ${String(first.queue)} (${String(first.reason)})` : undefined;
};

const toDeadLetter = (workflow: string, msg: SyncMessage): DeadLetter => {
  const decoded = decodeBody(msg);
  const failure = failureOf(msg);
  return {
    id: `queue:${workflow}:${deadLetterKeyOf(msg)}`,
    workflow,
    payload: decoded.ok ? decoded.value : String(msg.body),
    error: failure.error ?? deathReason(msg) ?? (decoded.ok ? 'failed' : 'the message body is not JSON'),
    stack: failure.stack || undefined,
    attempts: failure.attempts ?? 1,
    enqueuedAt: new Date(failure.enqueuedAt ?? failure.failedAt ?? Date.now()),
    failedAt: new Date(failure.failedAt ?? Date.now()),
  };
};

/**
 * Reads the dead queue with basic.get on a channel of its own and closes that channel afterwards, so every
 * message not acked goes back to the queue in its place (durable, so dead letters survive a broker restart).
 */
async function withDeadQueue<T>(
  broker: RabbitMqBroker,
  topology: RabbitMqTopology,
  visit: (ch: Channel, messages: AsyncIterable<SyncMessage>) => Promise<T>,
): Promise<T> {
  await broker.declare(topology.dead, {});
  const ch = await broker.connection.acquire();
  async function* messages(): AsyncIterable<SyncMessage> {
    for (let i = 0; i < MAX_LISTED; i++) {
      const msg = await ch.basicGet({ queue: topology.dead, noAck: false });
      if (!msg) return;
      yield msg;
    }
  }
  try {
    return await visit(ch, messages());
  } finally {
    await ch.close().catch(() => undefined);
  }
}

/**
 * One letter per job: a broker killed right after a job's last ack may lose that ack (RabbitMQ writes acks to
 * disk lazily), so the job runs once more after the restart and is dead-lettered twice; the copies share the id.
 */
export async function listDeadLetters(
  broker: RabbitMqBroker,
  topology: RabbitMqTopology,
): Promise<DeadLetter[]> {
  return withDeadQueue(broker, topology, async (_ch, messages) => {
    const letters = new Map<string, DeadLetter>();
    for await (const msg of messages) {
      const letter = toDeadLetter(topology.workflow, msg);
      if (!letters.has(letter.id)) letters.set(letter.id, letter);
    }
    return [...letters.values()];
  });
}

/** Publishes the dead letter `jobKey` to the work queue as attempt 1 (confirmed), then acks it (and its copies). */
export async function retryDeadLetter(
  broker: RabbitMqBroker,
  topology: RabbitMqTopology,
  jobKey: string,
): Promise<EnqueuedJob> {
  const found = await withDeadQueue(broker, topology, async (ch, messages) => {
    let retried = false;
    for await (const msg of messages) {
      if (deadLetterKeyOf(msg) !== jobKey) continue;
      if (!retried) {
        const decoded = decodeBody(msg);
        const job = deliveredJob(topology.workflow, msg, decoded.ok ? decoded.value : null);
        await broker.publish(
          topology.work,
          job.payload,
          jobEnvelope({ ...job, jobKey, attempt: 1, scheduledAt: undefined }, { priority: msg.priority }),
        );
        retried = true;
      }
      ch.basicAck({ deliveryTag: msg.deliveryTag });
    }
    return retried;
  });
  if (!found) throw new DeadLetterNotFoundError(`queue:${topology.workflow}:${jobKey}`);
  return { jobKey, created: true };
}

/** Purges the dead queue; returns how many letters (jobs) it held, copies counted once. */
export async function purgeDeadLetters(broker: RabbitMqBroker, topology: RabbitMqTopology): Promise<number> {
  const letters = await listDeadLetters(broker, topology);
  await broker.connection.queuePurge({ queue: topology.dead });
  return letters.length;
}
