import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { custom, int, millis, text, url } from './option-kinds.js';
import { block } from './option-section.js';

const tlsOption = custom<boolean | TlsConnectionOptions>('true, or Node TLS options', (value) =>
  typeof value === 'boolean' || (typeof value === 'object' && value !== null && !Array.isArray(value))
    ? undefined
    : 'must be true/false or a Node TLS options object',
);

/** `queue.rabbitmq`: the RabbitMQ engine (AMQP 0-9-1). */
export const rabbitmqOptions = block({
  /** `amqp://user:pass@host:5672/vhost` or `amqps://…`; the credentials are never logged or reported. */
  url: url({
    protocols: ['amqp', 'amqps'],
    required: true,
    env: ['HYBRID_SCHEDULER_RABBITMQ_URL', 'AMQP_URL'],
  }),
  /** First segment of every queue name (default `hybrid`): `<prefix>.<workflow>`, `<prefix>.<workflow>.dead`, … */
  prefix: text({ env: 'HYBRID_SCHEDULER_RABBITMQ_PREFIX' }),
  /** TLS: true, or Node TLS options (CA, client certificate); `amqps://` URLs turn it on. */
  tls: tlsOption({}),
  /** How long an idempotency key keeps a second enqueue from creating a job (default 3600000 = 1 h). */
  idempotencyWindowMs: millis({ min: 1000 }),
  /** AMQP heartbeat in seconds: how soon a dead peer is noticed (default 15). */
  heartbeatSeconds: int({ min: 1, max: 600 }),
});
