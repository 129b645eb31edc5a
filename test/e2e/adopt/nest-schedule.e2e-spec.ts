import { Injectable, Module } from '@nestjs/common';
import { Cron, Interval, ScheduleModule, SchedulerRegistry, Timeout } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { AdoptedJobControlError, HybridSchedulerModule, InternalTask } from 'nestjs-hybrid-scheduler';
import { bootApp, sleep, waitFor, type BootedApp } from '../../support/nest-app.js';

@Injectable()
class LegacyJobs {
  runs = { everySecond: 0, poll: 0, warmUp: 0, broken: 0, ours: 0 };
  @Cron('* * * * * *', { name: 'every-second', timeZone: 'Europe/Berlin' })
  everySecond() {
    this.runs.everySecond++;
  }
  @Cron('0 0 3 1 1 *', { name: 'broken' })
  broken() {
    this.runs.broken++;
    throw new Error('legacy job failed');
  }
  @Interval('poll', 50)
  poll() {
    this.runs.poll++;
  }
  @Timeout('warm-up', 60_000)
  warmUp() {
    this.runs.warmUp++;
  }
  @InternalTask({ name: 'ours', cron: '0 0 1 1 *' })
  ours() {
    this.runs.ours++;
  }
}

@Module({
  imports: [ScheduleModule.forRoot(), HybridSchedulerModule.forRoot()],
  providers: [LegacyJobs],
})
class AppModule {}

describe('@nestjs/schedule 12 beside the hybrid module', () => {
  let booted: BootedApp;
  let jobs: LegacyJobs;
  beforeEach(async () => {
    booted = await bootApp(AppModule);
    jobs = booted.app.get(LegacyJobs);
  });
  afterEach(async () => booted.close());

  it("lists SchedulerRegistry's cron jobs, intervals and timeouts as internal:<name> beside our own jobs", async () => {
    const list = await booted.scheduler.listJobs();
    expect(list.map((job) => job.id).sort()).toEqual([
      'internal:broken',
      'internal:every-second',
      'internal:ours',
      'internal:poll',
      'internal:warm-up',
    ]);
    const cron = list.find((job) => job.id === 'internal:every-second')!;
    expect(cron).toMatchObject({
      tier: 'internal',
      name: 'every-second',
      schedule: 'cron * * * * * * (Europe/Berlin)',
      source: '@nestjs/schedule',
      paused: false,
      details: { kind: 'cron', method: 'LegacyJobs.everySecond', runHistory: false },
    });
    expect(cron.nextRunAt!.getTime() - Date.now()).toBeLessThanOrEqual(1000);
    expect(list.find((job) => job.id === 'internal:poll')).toMatchObject({
      schedule: 'every 50ms',
      source: '@nestjs/schedule',
    });
    expect(list.find((job) => job.id === 'internal:warm-up')).toMatchObject({
      schedule: 'once, 1m after boot',
    });
    expect(list.find((job) => job.id === 'internal:ours')!.source).toBe('LegacyJobs.ours');
  });

  it('pauses a @Cron job (it does not fire), resumes it (it fires again), triggers it (it runs now)', async () => {
    await booted.scheduler.pause('internal:every-second');
    const paused = await booted.scheduler.getJob('internal:every-second');
    expect(paused).toMatchObject({ paused: true, nextRunAt: null });
    const before = jobs.runs.everySecond;
    await sleep(2200);
    expect(jobs.runs.everySecond).toBe(before);

    await booted.scheduler.resume('internal:every-second');
    await waitFor(() => jobs.runs.everySecond > before, 2500, 'a tick after resume');
    const resumed = await booted.scheduler.getJob('internal:every-second');
    expect(resumed.paused).toBe(false);
    expect(resumed.lastRunAt).toBeInstanceOf(Date);

    await booted.scheduler.pause('internal:every-second');
    const beforeTrigger = jobs.runs.everySecond;
    expect(await booted.scheduler.trigger('internal:every-second')).toEqual({
      jobId: 'internal:every-second',
      status: 'succeeded',
    });
    expect(jobs.runs.everySecond).toBe(beforeTrigger + 1);
  });

  it("reports a triggered job's error, which @nestjs/schedule itself only logs", async () => {
    expect(await booted.scheduler.trigger('internal:broken')).toEqual({
      jobId: 'internal:broken',
      status: 'failed',
      error: 'legacy job failed',
    });
  });

  it('pauses and resumes an @Interval with its declared period; a @Timeout can only be triggered', async () => {
    await booted.scheduler.pause('internal:poll');
    expect(booted.app.get(SchedulerRegistry).getIntervals()).not.toContain('poll');
    expect((await booted.scheduler.getJob('internal:poll')).paused).toBe(true);
    const before = jobs.runs.poll;
    await sleep(200);
    expect(jobs.runs.poll).toBe(before);
    await booted.scheduler.resume('internal:poll');
    await waitFor(() => jobs.runs.poll >= before + 2, 1000, 'interval ticks after resume');

    await expect(booted.scheduler.pause('internal:warm-up')).rejects.toThrow(AdoptedJobControlError);
    await expect(booted.scheduler.pause('internal:warm-up')).rejects.toThrow(
      'pause("internal:warm-up") is not available: a @Timeout fires once',
    );
    await booted.scheduler.trigger('internal:warm-up');
    expect(jobs.runs.warmUp).toBe(1);
  });

  it('lists a cron job added at runtime to SchedulerRegistry and triggers it through its CronJob', async () => {
    let runs = 0;
    const job = CronJob.from({ cronTime: '0 0 5 * * *', onTick: () => void runs++, timeZone: 'UTC' });
    booted.app.get(SchedulerRegistry).addCronJob('dynamic', job);
    expect(await booted.scheduler.getJob('internal:dynamic')).toMatchObject({
      schedule: 'cron 0 0 5 * * * (UTC)',
      paused: true,
      details: { kind: 'cron', runHistory: false },
    });
    await booted.scheduler.resume('internal:dynamic');
    expect((await booted.scheduler.getJob('internal:dynamic')).paused).toBe(false);
    await booted.scheduler.trigger('internal:dynamic');
    expect(runs).toBe(1);
    await expect(booted.scheduler.removeJob('internal:dynamic')).rejects.toThrow(AdoptedJobControlError);
  });
});
