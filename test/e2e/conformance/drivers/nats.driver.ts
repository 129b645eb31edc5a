import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { freePort } from '../../../support/server-process.js';
import { startNats } from '../../../support/nats.js';
import type { EngineDriver } from '../engine.driver.js';

/** NATS JetStream on a private `nats-server -js` (file storage in a temp dir). */
export const natsDriver: EngineDriver = {
  engine: 'nats',
  broker: true,
  // Priorities are ignored (FIFO per subject); rateLimit holds per process.
  limits: { durable: true, shared: true, priority: false, globalRateLimit: false, delayToleranceMs: 500 },
  start: async () => {
    const auth = { user: 'hs', pass: 'NatsConformance-81c2' };
    const nats = await startNats(auth);
    return {
      // One stream per namespace (credentials in the URL); a 2 s ack wait so a killed consumer's job is redelivered quickly.
      queueOptions: (namespace) => ({ nats: { servers: nats.url, stream: namespace, ackWaitMs: 2000 } }),
      broker: {
        address: `127.0.0.1:${nats.port}`,
        secret: auth.pass,
        kill: () => nats.kill(),
        restart: () => nats.restart(),
        freeze: () => nats.freeze(),
      },
      // A plain JetStream producer: subject <stream>.jobs.<workflow>, body = the JSON payload.
      produceRaw: async (namespace, workflow, payload) => {
        const nc = await connect({ servers: `127.0.0.1:${nats.port}`, ...auth });
        try {
          await jetstream(nc).publish(`${namespace}.jobs.${workflow}`, JSON.stringify(payload));
        } finally {
          await nc.close();
        }
      },
      stop: () => nats.stop(),
    };
  },
  unreachable: async () => {
    const port = await freePort();
    return { queue: { nats: { servers: `nats://127.0.0.1:${port}` } }, address: `127.0.0.1:${port}` };
  },
};
