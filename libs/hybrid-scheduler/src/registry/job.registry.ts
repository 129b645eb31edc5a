import { Injectable, Logger } from '@nestjs/common';
import { Subject, type Observable } from 'rxjs';
import { DuplicateTaskError, JobNotFoundError } from '../errors/index.js';
import type { JobEvent, JobInfo, SchedulerTier, TaskDefinition } from '../interfaces/index.js';
import { describeSchedule } from '../schedule/schedule.calculator.js';
import { GuardedEventStream } from './guarded-event.stream.js';
import { jobId } from './job-id.js';
import { newJobInfo } from './new-job-info.js';

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
    const info = newJobInfo({
      id,
      tier: tier.name,
      declaredTier: task.declaredTier,
      name: task.name,
      schedule: describeSchedule(task.schedule),
      source: `${task.location.className}.${task.location.methodName}`,
    });
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

  /**
   * Told of every skipped or missed tick (the tracing makes a span of each). Not an `events$` subscriber: those
   * ticks are rare, while a listener there makes the runner build an event object for every run.
   */
  private readonly notRunObservers: Array<(event: JobEvent) => void> = [];

  observeNotRun(observer: (event: JobEvent) => void): void {
    this.notRunObservers.push(observer);
  }

  /** Whether anyone subscribed to `events$` (metrics, `onJobEvent`, the dashboard): else events are not built. */
  get observed(): boolean {
    return this.eventSubject.observed;
  }

  emit(event: Omit<JobEvent, 'at'>): void {
    this.apply(event.jobId, event.type, event.error);
    const notRun = (event.type === 'skipped' || event.type === 'missed') && this.notRunObservers.length > 0;
    if (!this.eventSubject.observed && !notRun) return;
    // Callers pass a fresh object each time, so stamping it avoids a copy per event on the hot path.
    const stamped = event as JobEvent;
    stamped.at = new Date();
    if (notRun) for (const observe of this.notRunObservers) observe(stamped);
    if (this.eventSubject.observed) this.eventSubject.next(stamped);
  }

  /** What an event changes in its job's JobInfo; the runner calls it alone when nobody listens (no event object). */
  apply(jobId: string, type: JobEvent['type'], error?: Error): void {
    const info = this.records.get(jobId)?.info;
    if (!info) return;
    if (type === 'started') {
      info.running++;
      info.lastRunAt = new Date();
    } else if (type === 'succeeded' || type === 'failed' || type === 'cancelled') {
      info.running = Math.max(0, info.running - 1);
      info.runs++;
      info.lastStatus = type;
      if (type === 'failed') {
        info.failures++;
        info.lastError = error?.message ?? 'failed';
      } else if (type === 'succeeded') {
        info.lastError = null;
      }
    } else if (type === 'skipped' || type === 'missed') {
      info.lastStatus = type;
    }
  }

  complete(): void {
    this.eventSubject.complete();
  }
}
