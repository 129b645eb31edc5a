import { requireIfInstalled } from '../tiers/queue/optional-module.js';

/** @nestjs/schedule when the app installed it (its SchedulerRegistry class is the provider's token). */
export const nestSchedule = (): typeof import('@nestjs/schedule') | undefined =>
  requireIfInstalled<typeof import('@nestjs/schedule')>('@nestjs/schedule');

/** @nestjs/bullmq when the app installed it (WorkerHost, getQueueToken, getSharedConfigToken). */
export const nestBullMq = (): typeof import('@nestjs/bullmq') | undefined =>
  requireIfInstalled<typeof import('@nestjs/bullmq')>('@nestjs/bullmq');
