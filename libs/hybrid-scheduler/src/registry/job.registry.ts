import { Injectable, Logger } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import { DuplicateTaskError, JobNotFoundError } from '../errors/index.js';
import type { JobEvent, JobInfo, SchedulerTier, TaskDefinition } from '../interfaces/index.js';
import { describeSchedule } from '../schedule/schedule.calculator.js';
import { GuardedEventStream } from './guarded-event.stream.js';
import { jobId } from './job-id.js';

interface JobRecord {
  info: JobInfo;
  tier: SchedulerTier;
  task: TaskDefinition;
}

export { jobId } from './job-id.js';

/** Every job's live state and the stream of outcome events; what `listJobs()` and health read. */
@Injectable()
export class JobRegistry {
  private readonly records = new Map<string, JobRecord>();
  private readonly eventSubject = new Subject<JobEvent>();
  /** A listener that throws is logged (once) instead of crashing the process; see GuardedEventStream. */
  readonly events$: Observable<JobEvent> = new GuardedEventStream<JobEvent>(
    new Logger('HybridScheduler:Events'),
    (subscriber) => this.eventSubject.subscribe(subscriber),
  );

  add(tier: SchedulerTier, task: TaskDefinition): JobInfo {
    const id = jobId(tier.name, task.name);
    const existing = this.records.get(id);
    if (existing) {
      const where = (t: TaskDefinition) => `${t.location.className}.${t.location.methodName}()`;
      throw new DuplicateTaskError(
        `Duplicate job id "${id}": declared on ${where(existing.task)} and on ${where(task)}.`,
      );
    }
    const info: JobInfo = {
      id,
      tier: tier.name,
      declaredTier: task.declaredTier,
      name: task.name,
      schedule: describeSchedule(task.schedule),
      nextRunAt: null,
      lastRunAt: null,
      lastStatus: null,
      lastError: null,
      runs: 0,
      failures: 0,
      paused: false,
      running: 0,
      source: `${task.location.className}.${task.location.methodName}`,
    };
    this.records.set(id, { info, tier, task });
    return info;
  }

  remove(id: string): void {
    this.records.delete(id);
  }

  has(id: string): boolean {
    return this.records.has(id);
  }

  /** The live (mutable) record; tiers update `info` in place. */
  get(id: string): JobRecord {
    const record = this.records.get(id);
    if (!record) throw new JobNotFoundError(id, [...this.records.keys()]);
    return record;
  }

  info(id: string): JobInfo {
    return this.get(id).info;
  }

  all(): JobRecord[] {
    return [...this.records.values()];
  }

  ids(): string[] {
    return [...this.records.keys()];
  }

  emit(event: Omit<JobEvent, 'at'>): void {
    const record = this.records.get(event.jobId);
    if (record) {
      const info = record.info;
      if (event.type === 'started') {
        info.running++;
        info.lastRunAt = new Date();
      } else if (event.type === 'succeeded' || event.type === 'failed' || event.type === 'cancelled') {
        info.running = Math.max(0, info.running - 1);
        info.runs++;
        info.lastStatus = event.type;
        if (event.type === 'failed') {
          info.failures++;
          info.lastError = event.error?.message ?? 'failed';
        } else if (event.type === 'succeeded') {
          info.lastError = null;
        }
      } else if (event.type === 'skipped' || event.type === 'missed') {
        info.lastStatus = event.type;
      }
    }
    // Callers pass a fresh object each time, so stamping it avoids a copy per event on the hot path.
    const stamped = event as JobEvent;
    stamped.at = new Date();
    this.eventSubject.next(stamped);
  }

  complete(): void {
    this.eventSubject.complete();
  }
}
