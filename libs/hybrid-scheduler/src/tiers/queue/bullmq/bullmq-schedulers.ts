import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { catchUpGraceMs } from '../../../schedule/due-ticks.js';
import { bullmq } from './bullmq.module-loader.js';
import { repeatOptions, reportMissed } from './bullmq-ticks.js';
import type { BullMqWorkflow } from './bullmq-workflow.js';

const registryKeyOf = (prefix: string): string => `${prefix}:hybrid-scheduler:scheduled-workflows`;

/** Removes one workflow's Job Scheduler and forgets it in the registry set. */
export async function removeScheduler(
  redis: Redis,
  prefix: string,
  queue: Queue,
  name: string,
): Promise<void> {
  await queue.removeJobScheduler(name);
  await redis.srem(registryKeyOf(prefix), name);
}

/**
 * A scheduler whose next slot is already past at boot fell due while no worker served it. The gap is accounted
 * for here: every missed slot is reported, and with `catchUp: 'once'` one job runs now (its id derived from
 * the slot, so replicas booting together add one). The scheduler is then removed with its pending job, for
 * the upsert (below) to start it afresh: upserting an `every` scheduler as it is keeps the stale slot and
 * re-adds its job stamped with the upsert's time, so it ran at once as if on time (under 'skip' too, and under
 * 'once' beside the catch-up job).
 */
async function catchUpGap(w: BullMqWorkflow): Promise<void> {
  const { workflow } = w;
  const next = (await w.queue.getJobScheduler(workflow.name))?.next;
  if (!next) return;
  const behind = Date.now() - next;
  if (behind <= catchUpGraceMs(workflow.schedule)) return;
  const reason = `no worker ran when the tick was due (the schedule was ${behind}ms behind at boot; catchUp: ${workflow.catchUp})`;
  reportMissed(workflow, w.events, new Date(next), reason);
  await w.queue.removeJobScheduler(workflow.name);
  if (workflow.catchUp === 'once') {
    await w.queue.add(workflow.name, workflow.schedulePayload, {
      ...w.jobOptions,
      jobId: `catch-up-${next}`,
    });
  }
}

/** Creates or updates the Job Scheduler of one recurring workflow and records it in the registry set. */
export async function upsertScheduler(redis: Redis, prefix: string, w: BullMqWorkflow): Promise<void> {
  const repeat = repeatOptions(w.workflow);
  if (!repeat) return;
  await w.queue.upsertJobScheduler(w.workflow.name, repeat, {
    name: w.workflow.name,
    data: w.workflow.schedulePayload,
    opts: w.jobOptions,
  });
  await redis.sadd(registryKeyOf(prefix), w.workflow.name);
}

/**
 * Installs the Job Schedulers of recurring workflows (one firing per tick however many replicas run) and
 * removes those of workflows that lost their schedule or their decorator since the last boot. The names of
 * scheduled workflows are kept in a Redis set so that removed ones can be found.
 */
export async function syncSchedulers(
  redis: Redis,
  prefix: string,
  workflows: BullMqWorkflow[],
): Promise<void> {
  const recurring = workflows.filter((w) => repeatOptions(w.workflow));
  for (const w of recurring) {
    await catchUpGap(w);
    await upsertScheduler(redis, prefix, w);
  }
  const current = new Set(recurring.map((w) => w.workflow.name));
  for (const name of await redis.smembers(registryKeyOf(prefix))) {
    if (current.has(name)) continue;
    const existing = workflows.find((w) => w.workflow.name === name);
    const queue = existing?.queue ?? new (bullmq().Queue)(name, { connection: redis, prefix });
    await queue.removeJobScheduler(name);
    if (!existing) await queue.close();
    await redis.srem(registryKeyOf(prefix), name);
  }
}
