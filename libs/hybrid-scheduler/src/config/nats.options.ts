import { custom, int, millis, text, urls } from './option-kinds.js';
import { block } from './option-section.js';

/** TLS settings handed to the NATS client as they are (`caFile`, `certFile`, `keyFile`, …). */
export type NatsTlsOptions = Record<string, unknown>;

const tlsOptions = custom<NatsTlsOptions>('TLS options object of the NATS client', (value) =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : 'must be an object',
);

/** `queue.nats`: the NATS JetStream engine. */
export const natsOptions = block({
  /**
   * Server URL(s), `nats://host:4222`, `tls://host:4222` or a bare `host:4222` (as the NATS client takes them);
   * for a cluster comma-separated or an array. Credentials inside a URL are never logged. Not `ws://`/`wss://`:
   * the Node client (@nats-io/transport-node) refuses websockets.
   */
  servers: urls({
    protocols: ['nats', 'tls'],
    bare: 'nats',
    required: true,
    env: ['HYBRID_SCHEDULER_NATS_URL', 'NATS_URL'],
  }),
  /** Name of the work stream and first token of every subject (default `hybrid`). */
  stream: text({ env: 'HYBRID_SCHEDULER_NATS_STREAM' }),
  user: text({}),
  pass: text({ secret: true }),
  token: text({ secret: true }),
  /** A `.creds` file (JWT + NKey seed) for NATS decentralised auth. */
  credsFile: text({}),
  tls: tlsOptions({}),
  /** How long a delivered job may go without an ack or a progress signal before another replica gets it (default 30000). */
  ackWaitMs: millis({ min: 1000 }),
  /** How long the streams remember a message id: idempotency keys and tick ids dedup within it (default 120000). */
  duplicateWindowMs: millis({ min: 1000 }),
  /** Jobs of one workflow delivered and not yet acknowledged, across all replicas (default 1000). */
  maxAckPending: int({ min: 1 }),
});
