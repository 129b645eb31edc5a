import { Queue } from 'bullmq';
import { startRedis } from '../../../support/redis.js';
import { freePort } from '../../../support/server-process.js';
import type { EngineDriver } from '../engine.driver.js';

/** BullMQ on a private redis-server (AOF on, so a SIGKILL keeps what was acknowledged). */
export const bullmqDriver: EngineDriver = {
  engine: 'bullmq',
  broker: true,
  limits: { durable: true, shared: true, priority: true, globalRateLimit: true, delayToleranceMs: 500 },
  start: async () => {
    const redis = await startRedis({ appendOnly: true });
    const address = `127.0.0.1:${redis.port}`;
    return {
      queueOptions: (namespace) => ({
        bullmq: { connection: redis.url, prefix: namespace, lockDurationMs: 2000, stalledIntervalMs: 1000 },
      }),
      broker: {
        address,
        kill: () => redis.kill(),
        restart: () => redis.restart(),
        freeze: () => redis.freeze(),
      },
      // A plain BullMQ producer: queue = workflow name, job data = the payload.
      produceRaw: async (namespace, workflow, payload) => {
        const queue = new Queue(workflow, { connection: { url: redis.url }, prefix: namespace });
        try {
          await queue.add('raw', payload);
        } finally {
          await queue.close();
        }
      },
      stop: () => redis.stop(),
    };
  },
  unreachable: async () => {
    const port = await freePort();
    return { queue: { bullmq: { connection: `redis://127.0.0.1:${port}` } }, address: `127.0.0.1:${port}` };
  },
};
