import { Logger } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';
import type { JobInfo, TriggerResult } from '../interfaces/index.js';
import { jobId } from '../registry/job-id.js';
import { formatDuration } from '../schedule/duration.js';
import { AdoptedJobControlError } from './adopt.errors.js';
import {
  ADOPTED_SOURCES,
  adoptedJobInfo,
  type AdoptedJobSource,
  type JobControl,
} from './adopted-job.source.js';
import { scheduleKey, type ScheduleKind, type ScheduleMethod } from './nest-schedule.methods.js';

type CronJob = ReturnType<SchedulerRegistry['getCronJob']>;
const SOURCE = ADOPTED_SOURCES[0];
const UNKNOWN_CALLBACK =
  'it was added with SchedulerRegistry.addInterval()/addTimeout(), so its callback is unknown; declare it ' +
  'with a named @Interval(name, ms)/@Timeout(name, ms), or move it to @InternalTask';

/**
 * The jobs of @nestjs/schedule's SchedulerRegistry as `internal:<name>`: cron jobs (schedule, next and last run,
 * pause = stop, resume = start, trigger), intervals (pause clears the timer, resume sets it again with the
 * declared period) and timeouts (trigger only). A cron job wins over an interval or timeout of the same name.
 */
export class NestScheduleJobs implements AdoptedJobSource {
  readonly source = SOURCE;
  /** Intervals paused through the facade: cleared in SchedulerRegistry, remembered here to set them again. */
  private readonly pausedIntervals = new Map<string, ScheduleMethod & { ms: number }>();
  private readonly logger = new Logger('HybridScheduler:@nestjs/schedule');

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly methods: Map<string, ScheduleMethod>,
  ) {}

  async list(): Promise<JobInfo[]> {
    const jobs = new Map<string, JobInfo>();
    for (const [name, job] of this.registry.getCronJobs()) jobs.set(name, this.cronInfo(name, job));
    const intervals = new Set([...this.registry.getIntervals(), ...this.pausedIntervals.keys()]);
    for (const name of intervals) if (!jobs.has(name)) jobs.set(name, this.timerInfo('interval', name));
    for (const name of this.registry.getTimeouts())
      if (!jobs.has(name)) jobs.set(name, this.timerInfo('timeout', name));
    return [...jobs.values()];
  }

  owns(id: string): boolean {
    return this.kindOf(id) !== undefined;
  }

  async pause(id: string): Promise<void> {
    const { kind, name } = this.find(id);
    if (kind === 'cron') return void (await this.registry.getCronJob(name).stop());
    if (kind === 'timeout')
      throw new AdoptedJobControlError(
        id,
        'pause',
        'a @Timeout fires once; SchedulerRegistry.deleteTimeout() cancels it',
      );
    if (this.pausedIntervals.has(name)) return;
    const method = this.methods.get(scheduleKey('interval', name));
    if (method?.ms === undefined) throw new AdoptedJobControlError(id, 'pause', UNKNOWN_CALLBACK);
    this.registry.deleteInterval(name);
    this.pausedIntervals.set(name, { ...method, ms: method.ms });
  }

  async resume(id: string): Promise<void> {
    const { kind, name } = this.find(id);
    if (kind === 'cron') return this.registry.getCronJob(name).start();
    if (kind === 'timeout')
      throw new AdoptedJobControlError(id, 'resume', 'a @Timeout fires once and cannot be paused');
    const paused = this.pausedIntervals.get(name);
    if (!paused) return;
    this.pausedIntervals.delete(name);
    // As @nestjs/schedule does for its own intervals, an error is logged and the interval keeps running.
    const tick = () => void paused.run().catch((error: unknown) => this.logger.error(error));
    this.registry.addInterval(name, setInterval(tick, paused.ms));
  }

  /** Runs the decorated method now and reports its error; a cron job added at runtime runs through fireOnTick(). */
  async trigger(id: string): Promise<TriggerResult> {
    const { kind, name } = this.find(id);
    const method = this.methods.get(scheduleKey(kind, name));
    if (!method) {
      if (kind !== 'cron') throw new AdoptedJobControlError(id, 'trigger', UNKNOWN_CALLBACK);
      // SchedulerRegistry wraps fireOnTick: an error is logged by @nestjs/schedule and not returned.
      await this.registry.getCronJob(name).fireOnTick();
      return { jobId: id, status: 'succeeded' };
    }
    try {
      await method.run();
      return { jobId: id, status: 'succeeded' };
    } catch (error) {
      return { jobId: id, status: 'failed', error: error instanceof Error ? error.message : String(error) };
    }
  }

  private kindOf(id: string): ScheduleKind | undefined {
    if (!id.startsWith('internal:')) return undefined;
    const name = id.slice('internal:'.length);
    if (this.registry.doesExist('cron', name)) return 'cron';
    if (this.registry.doesExist('interval', name) || this.pausedIntervals.has(name)) return 'interval';
    return this.registry.doesExist('timeout', name) ? 'timeout' : undefined;
  }

  private find(id: string): { kind: ScheduleKind; name: string } {
    const kind = this.kindOf(id);
    if (!kind) throw new AdoptedJobControlError(id, 'control', 'no such job in SchedulerRegistry');
    return { kind, name: id.slice('internal:'.length) };
  }

  private cronInfo(name: string, job: CronJob): JobInfo {
    const source = job.cronTime.source;
    const schedule =
      typeof source === 'string'
        ? `cron ${source} (${job.cronTime.timeZone ?? 'local time'})`
        : `at ${source.toJSDate().toISOString()}`;
    let nextRunAt: Date | null = null;
    try {
      nextRunAt = job.isActive ? job.nextDate().toJSDate() : null;
    } catch {
      nextRunAt = null; // a one-shot date in the past has no next run
    }
    return adoptedJobInfo({
      id: jobId('internal', name),
      tier: 'internal',
      name,
      schedule,
      source: SOURCE,
      nextRunAt,
      lastRunAt: job.lastDate(),
      paused: !job.isActive,
      running: job.isCallbackRunning ? 1 : 0,
      details: this.details('cron', name),
    });
  }

  private timerInfo(kind: 'interval' | 'timeout', name: string): JobInfo {
    const ms = this.methods.get(scheduleKey(kind, name))?.ms;
    const period = ms === undefined ? '(period unknown)' : formatDuration(ms);
    return adoptedJobInfo({
      id: jobId('internal', name),
      tier: 'internal',
      name,
      schedule: kind === 'interval' ? `every ${period}` : `once, ${period} after boot`,
      source: SOURCE,
      paused: this.pausedIntervals.has(name),
      details: this.details(kind, name),
    });
  }

  private details(kind: ScheduleKind, name: string): Record<string, unknown> {
    const method = this.methods.get(scheduleKey(kind, name));
    return {
      kind,
      ...(method ? { method: method.location } : {}),
      runHistory: false,
      controls: this.controls(kind, method !== undefined),
    };
  }

  /** What `pause`, `resume` and `trigger` above accept for this kind of job (the rest throw). */
  private controls(kind: ScheduleKind, methodKnown: boolean): JobControl[] {
    if (kind === 'cron') return ['trigger', 'pause', 'resume'];
    if (!methodKnown) return [];
    return kind === 'interval' ? ['trigger', 'pause', 'resume'] : ['trigger'];
  }
}
