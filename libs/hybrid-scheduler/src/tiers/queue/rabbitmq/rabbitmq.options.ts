import type { RabbitMqProviderOptions } from '../../../config/module-options.js';

/** `queue.rabbitmq` as the engine gets it (described in config/rabbitmq.options.ts). */
export type RabbitMqEngineOptions = RabbitMqProviderOptions;

export const RABBITMQ_DEFAULTS = {
  idempotencyWindowMs: 3_600_000,
  heartbeatSeconds: 15,
} as const;
