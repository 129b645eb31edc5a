import { requireOptional } from '../optional-module.js';

/** BullMQ's runtime classes, loaded on first use so apps without `queue.bullmq` need not install bullmq. */
export const bullmq = (): typeof import('bullmq') =>
  requireOptional<typeof import('bullmq')>('bullmq', 'The bullmq queue provider');
