import { requireOptional } from '../optional-module.js';

/** rabbitmq-client's runtime classes, loaded on first use so apps without `queue.rabbitmq` need not install it. */
export const rabbitmqClient = (): typeof import('rabbitmq-client') =>
  requireOptional<typeof import('rabbitmq-client')>('rabbitmq-client', 'The rabbitmq queue engine');
