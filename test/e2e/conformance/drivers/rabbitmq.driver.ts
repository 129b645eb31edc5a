import { Connection } from 'rabbitmq-client';
import { freePort } from '../../../support/server-process.js';
import { startRabbitMq } from '../../../support/rabbitmq.js';
import type { EngineDriver } from '../engine.driver.js';

const SECRET = 'rabbit-s3cret-pw';

/**
 * RabbitMQ on a private node (own node name, ports and data dir; ~6 s to boot, ~9 s to restart). The namespace
 * is the queue prefix. Limits (docs/queue.md, RabbitMQ): rateLimit holds per process; delays hop through TTL
 * queues, within ~250 ms on an idle queue.
 */
export const rabbitmqDriver: EngineDriver = {
  engine: 'rabbitmq',
  broker: true,
  limits: { durable: true, shared: true, priority: true, globalRateLimit: false, delayToleranceMs: 500 },
  start: async () => {
    const node = await startRabbitMq({ user: 'hs', password: SECRET });
    return {
      queueOptions: (namespace) => ({ rabbitmq: { url: node.url, prefix: namespace } }),
      broker: {
        address: `127.0.0.1:${node.port}`,
        secret: SECRET,
        kill: () => node.kill(),
        restart: () => node.restart(),
        freeze: () => node.freeze(),
      },
      // A plain AMQP producer: queue `<prefix>.<workflow>` through the default exchange, JSON body, persistent.
      produceRaw: async (namespace, workflow, payload) => {
        const connection = new Connection(node.url);
        connection.on('error', () => undefined);
        const publisher = connection.createPublisher({ confirm: true });
        try {
          await publisher.send({ routingKey: `${namespace}.${workflow}`, durable: true }, payload);
        } finally {
          await publisher.close();
          await connection.close();
        }
      },
      stop: () => node.stop(),
    };
  },
  unreachable: async () => {
    const port = await freePort();
    return {
      queue: { rabbitmq: { url: `amqp://hs:${SECRET}@127.0.0.1:${port}` } },
      address: `127.0.0.1:${port}`,
    };
  },
};
