import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';

/** `queue.rabbitmq`: the RabbitMQ (AMQP 0-9-1) engine. */
export interface RabbitMqEngineOptions {
  /** `amqp://user:pass@host:5672/vhost` or `amqps://…`; the credentials are never logged or reported. */
  url: string;
  /** First segment of every queue name (default `hybrid`): `<prefix>.<workflow>`, `<prefix>.<workflow>.dead`, … */
  prefix?: string;
  /** TLS: true, or Node TLS options (CA, client certificate); `amqps://` URLs turn it on. */
  tls?: boolean | TlsConnectionOptions;
  /** How long an idempotency key keeps a second enqueue from creating a job (default 3600000 = 1 h). */
  idempotencyWindowMs?: number;
  /** AMQP heartbeat in seconds: how soon a dead peer is noticed (default 15). */
  heartbeatSeconds?: number;
}

export const RABBITMQ_DEFAULTS = {
  prefix: 'hybrid',
  idempotencyWindowMs: 3_600_000,
  heartbeatSeconds: 15,
} as const;
