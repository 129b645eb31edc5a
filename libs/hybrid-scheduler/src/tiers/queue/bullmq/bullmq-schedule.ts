import type { Queue } from 'bullmq';
import { bullmq } from './bullmq.module-loader.js';
import type { Redis } from 'ioredis';
import { nextDue, typicalPeriodMs } from '../../../schedule/schedule.calculator.js';
import type { EngineEvents, EngineWorkflow } from '../queue-engine.interface.js';
import type { BullMqWorkflow } from './bullmq-workflow.js';

const MAX_REPORTED_MISSES = 100;

/** The BullMQ repeat options of a recurring workflow. */
export function repeatOptions(
  workflow: EngineWorkflow,
): { every: number } | { pattern: string; tz?: string } | undefined {
  const { schedule } = workflow;
  if (schedule.kind === 'every') return { every: schedule.everyMs };
  if (schedule.kind === 'cron') return { pattern: schedule.cron, tz: schedule.timeZone };
  return undefined;
}

/**
 * Applies the `catchUp` policy to a scheduler job that starts late (no worker was up when it was due). BullMQ
 * keeps one pending job per scheduler, so only the earliest missed slot is still there; the slots after it
 * are reported as `missed`. Under `skip` a slot later than the grace (one period, at most 60 s) is dropped too.
 * Returns whether the job should run.
 */
export function lateTick(workflow: EngineWorkflow, scheduledAt: Date, events: EngineEvents): boolean {
  const period = typicalPeriodMs(workflow.schedule) ?? 60_000;
  const grace = Math.min(period, 60_000);
  const now = Date.now();
  if (now - scheduledAt.getTime() <= grace) return true;
  const reason = `no worker ran when the tick was due (started ${now - scheduledAt.getTime()}ms late; catchUp: ${workflow.catchUp})`;
  let reported = 0;
  for (
    let t = nextDue(workflow.schedule, scheduledAt, scheduledAt);
    t && t.getTime() <= now - grace && reported < MAX_REPORTED_MISSES;
    t = nextDue(workflow.schedule, t, scheduledAt)
  ) {
    events.missed(workflow.name, t, reason);
    reported++;
  }
  if (workflow.catchUp === 'once') return true;
  events.missed(workflow.name, scheduledAt, reason);
  return false;
}

/** Removes one workflow's Job Scheduler and forgets it in the registry set. */
export async function removeScheduler(
  redis: Redis,
  prefix: string,
  queue: Queue,
  name: string,
): Promise<void> {
  await queue.removeJobScheduler(name);
  await redis.srem(`${prefix}:hybrid-scheduler:scheduled-workflows`, name);
}

/**
 * A scheduler whose next slot is already past at boot fell due while no worker served it. Upserting it (below)
 * moves it on to the next future slot, so the gap is accounted for here: every missed slot is reported, and
 * with `catchUp: 'once'` one job runs now (its id derived from the slot, so replicas booting together add one).
 */
async function catchUpGap(w: BullMqWorkflow): Promise<void> {
  const { workflow } = w;
  const next = (await w.queue.getJobScheduler(workflow.name))?.next;
  if (!next) return;
  const grace = Math.min(typicalPeriodMs(workflow.schedule) ?? 60_000, 60_000);
  const now = Date.now();
  if (now - next <= grace) return;
  const reason = `no worker ran when the tick was due (the schedule was ${now - next}ms behind at boot; catchUp: ${workflow.catchUp})`;
  let reported = 0;
  for (
    let t: Date | null = new Date(next);
    t && t.getTime() <= now - grace && reported < MAX_REPORTED_MISSES;
    t = nextDue(workflow.schedule, t, new Date(next))
  ) {
    w.events.missed(workflow.name, t, reason);
    reported++;
  }
  if (workflow.catchUp === 'once') {
    await w.queue.add(workflow.name, workflow.schedulePayload, {
      ...w.jobOptions,
      jobId: `catch-up-${next}`,
    });
  }
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
  const registryKey = `${prefix}:hybrid-scheduler:scheduled-workflows`;
  const recurring = workflows.filter((w) => repeatOptions(w.workflow));
  for (const w of recurring) {
    await catchUpGap(w);
    await w.queue.upsertJobScheduler(w.workflow.name, repeatOptions(w.workflow)!, {
      name: w.workflow.name,
      data: w.workflow.schedulePayload,
      opts: w.jobOptions,
    });
    await redis.sadd(registryKey, w.workflow.name);
  }
  const current = new Set(recurring.map((w) => w.workflow.name));
  for (const name of await redis.smembers(registryKey)) {
    if (current.has(name)) continue;
    const existing = workflows.find((w) => w.workflow.name === name);
    const queue = existing?.queue ?? new (bullmq().Queue)(name, { connection: redis, prefix });
    await queue.removeJobScheduler(name);
    if (!existing) await queue.close();
    await redis.srem(registryKey, name);
  }
}
