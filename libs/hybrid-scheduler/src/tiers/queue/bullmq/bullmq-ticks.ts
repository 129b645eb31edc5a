import { catchUpGraceMs, dueTicks } from '../../../schedule/due-ticks.js';
import { nextDue } from '../../../schedule/schedule.calculator.js';
import type { EngineEvents, EngineWorkflow } from '../queue-engine.interface.js';
import { reportMissedTicks } from '../missed-ticks.log.js';

/**
 * The BullMQ repeat options of a recurring workflow. An `every` scheduler starts one period from now, like
 * every other engine and the internal tier (BullMQ alone would fire at once); BullMQ applies `startDate` only
 * when it creates the scheduler, so re-upserting at every boot does not move an existing schedule.
 */
export function repeatOptions(
  workflow: EngineWorkflow,
): { every: number; startDate: number } | { pattern: string; tz?: string } | undefined {
  const { schedule } = workflow;
  if (schedule.kind === 'every') return { every: schedule.everyMs, startDate: Date.now() + schedule.everyMs };
  if (schedule.kind === 'cron') return { pattern: schedule.cron, tz: schedule.timeZone };
  return undefined;
}

/** Reports as `missed` the ticks from `first` that are later than the grace (at most MAX_REPORTED_MISSES). */
export function reportMissed(
  workflow: EngineWorkflow,
  events: EngineEvents,
  first: Date | null,
  reason: string,
): void {
  const until = new Date(Date.now() - catchUpGraceMs(workflow.schedule));
  const anchor = first ?? until;
  reportMissedTicks(events, workflow.name, dueTicks(workflow.schedule, first, until, anchor), reason);
}

/**
 * Applies the `catchUp` policy to a scheduler job that starts late (no worker was up when it was due). BullMQ
 * keeps one pending job per scheduler, so only the earliest missed slot is still there; the slots after it
 * are reported as `missed`. Under `skip` a slot later than the grace (one period, at most 60 s) is dropped too.
 * Returns whether the job should run.
 */
export function lateTick(workflow: EngineWorkflow, scheduledAt: Date, events: EngineEvents): boolean {
  const late = Date.now() - scheduledAt.getTime();
  if (late <= catchUpGraceMs(workflow.schedule)) return true;
  const reason = `no worker ran when the tick was due (started ${late}ms late; catchUp: ${workflow.catchUp})`;
  reportMissed(workflow, events, nextDue(workflow.schedule, scheduledAt, scheduledAt), reason);
  if (workflow.catchUp === 'once') return true;
  events.missed(workflow.name, scheduledAt, reason);
  return false;
}
