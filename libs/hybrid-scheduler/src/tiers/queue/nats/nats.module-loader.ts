import { requireOptional } from '../optional-module.js';

/** The NATS client and its JetStream API, loaded on first use so apps without `queue.nats` need neither. */
export const natsTransport = (): typeof import('@nats-io/transport-node') =>
  requireOptional<typeof import('@nats-io/transport-node')>(
    '@nats-io/transport-node',
    'The nats queue provider',
  );

export const natsJetStream = (): typeof import('@nats-io/jetstream') =>
  requireOptional<typeof import('@nats-io/jetstream')>('@nats-io/jetstream', 'The nats queue provider');
