import { Injectable, Module } from '@nestjs/common';
import {
  HybridScheduler,
  HybridSchedulerModule,
  InternalTask,
  JobNotFoundError,
} from 'nestjs-hybrid-scheduler';
import { bootApp, sleep, waitFor, type BootedApp } from '../../support/nest-app.js';

@Injectable()
class Jobs {
  runs: Record<string, number> = { pausable: 0, catchup: 0, manual: 0 };
  @InternalTask({ name: 'pausable', every: 60 })
  pausable() {
    this.runs.pausable++;
  }
  @InternalTask({ name: 'catchup', every: 60, catchUp: 'once' })
  catchup() {
    this.runs.catchup++;
  }
  @InternalTask({ name: 'manual', cron: '0 0 1 1 *' })
  manual() {
    this.runs.manual++;
    return 'done';
  }
}

@Module({ imports: [HybridSchedulerModule.forRoot()], providers: [Jobs] })
class AppModule {}

describe('internal tier: control through HybridScheduler', () => {
  let booted: BootedApp;
  let jobs: Jobs;
  beforeEach(async () => {
    booted = await bootApp(AppModule);
    jobs = booted.app.get(Jobs);
  });
  afterEach(async () => booted.close());

  it('lists jobs with their state', async () => {
    const list = await booted.scheduler.listJobs();
    expect(list.map((j) => j.id).sort()).toEqual([
      'internal:catchup',
      'internal:manual',
      'internal:pausable',
    ]);
    const manual = list.find((j) => j.id === 'internal:manual')!;
    expect(manual).toMatchObject({
      tier: 'internal',
      declaredTier: 'internal',
      name: 'manual',
      schedule: 'cron 0 0 1 1 * (UTC)',
      lastRunAt: null,
      lastStatus: null,
      runs: 0,
      failures: 0,
      paused: false,
      running: 0,
      source: 'Jobs.manual',
    });
    expect(manual.nextRunAt!.getUTCMonth()).toBe(0);
    expect(manual.nextRunAt!.getUTCDate()).toBe(1);
  });

  it('pauses (ticks reported as missed) and resumes', async () => {
    await booted.scheduler.pause('internal:pausable');
    const before = jobs.runs.pausable;
    await sleep(250);
    expect(jobs.runs.pausable).toBe(before);
    expect((await booted.scheduler.getJob('internal:pausable')).paused).toBe(true);
    const missed = booted.eventsOf('internal:pausable', 'missed');
    expect(missed.length).toBeGreaterThanOrEqual(2);
    expect(missed[0].reason).toBe('job is paused');
    await booted.scheduler.resume('internal:pausable');
    await waitFor(() => jobs.runs.pausable > before, 1_000, 'a run after resume');
    expect((await booted.scheduler.getJob('internal:pausable')).paused).toBe(false);
  });

  it('with catchUp once, runs once on resume for the ticks missed while paused', async () => {
    await booted.scheduler.pause('internal:catchup');
    const before = jobs.runs.catchup;
    await sleep(200);
    await booted.scheduler.resume('internal:catchup');
    await waitFor(() => jobs.runs.catchup === before + 1, 40, 'the catch-up run right on resume');
  });

  it('triggers a run now and returns its outcome', async () => {
    const result = await booted.scheduler.trigger('internal:manual');
    expect(result).toEqual({ jobId: 'internal:manual', status: 'succeeded' });
    expect(jobs.runs.manual).toBe(1);
    const info = await booted.scheduler.getJob('internal:manual');
    expect(info.runs).toBe(1);
    expect(info.lastStatus).toBe('succeeded');
    expect(info.lastRunAt).toBeInstanceOf(Date);
  });

  it('throws a typed JobNotFoundError for unknown ids, listing known ones', async () => {
    for (const call of [
      () => booted.scheduler.trigger('internal:nope'),
      () => booted.scheduler.pause('internal:nope'),
      () => booted.scheduler.resume('nope'),
      () => booted.scheduler.getJob('queue:nope'),
    ]) {
      await expect(call()).rejects.toThrow(JobNotFoundError);
    }
    await expect(booted.scheduler.trigger('internal:nope')).rejects.toThrow(
      /No job with id "internal:nope".*internal:pausable/,
    );
  });

  it('adds and removes dynamic tasks validated like the decorator', async () => {
    const seen: string[] = [];
    const id = booted.scheduler.scheduleInternalTask({ name: 'dynamic-report', every: 50 }, (ctx) =>
      seen.push(ctx.jobId),
    );
    expect(id).toBe('internal:dynamic-report');
    await waitFor(() => seen.length >= 2, 1_000, 'dynamic runs');
    expect((await booted.scheduler.getJob(id)).source).toBe('dynamic.dynamic-report');
    await booted.scheduler.removeJob(id);
    const count = seen.length;
    await sleep(150);
    expect(seen.length).toBe(count);
    await expect(booted.scheduler.getJob(id)).rejects.toThrow(JobNotFoundError);

    expect(() => booted.scheduler.scheduleInternalTask('bad', () => undefined, { cron: 'whenever' })).toThrow(
      /"cron" = "whenever"/,
    );
    expect(() =>
      booted.scheduler.scheduleInternalTask({ name: 'pausable', every: 10 }, () => undefined),
    ).toThrow(/Duplicate job id "internal:pausable"/);
  });

  it('keeps the old argument order of scheduleInternalTask working for one minor version', async () => {
    const seen: string[] = [];
    const id = booted.scheduler.scheduleInternalTask('old-order', (ctx) => seen.push(ctx.jobId), {
      every: 50,
    });
    expect(id).toBe('internal:old-order');
    await waitFor(() => seen.length >= 1, 1_000, 'a run of the old-order task');
    await booted.scheduler.removeJob(id);
  });

  it('classifies characteristics through the facade', () => {
    expect(booted.app.get(HybridScheduler).classify({ visibility: 'user-facing' }).tier).toBe('prefect');
  });
});
