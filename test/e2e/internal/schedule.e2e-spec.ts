import { Injectable, Module } from '@nestjs/common';
import { HybridSchedulerModule, InternalTask, type InternalTaskContext } from 'nestjs-hybrid-scheduler';
import { blockEventLoop, bootApp, sleep, waitFor, type BootedApp } from '../../support/nest-app.js';

describe('internal tier: tasks fire on schedule', () => {
  let booted: BootedApp | undefined;
  afterEach(async () => booted?.close());

  it('fires `every` ticks on a fixed grid without drift, each run with its due time', async () => {
    @Injectable()
    class Ticker {
      runs: Array<{ at: number; scheduledAt: number; jobId: string }> = [];
      @InternalTask({ name: 'grid', every: 100 })
      tick(ctx: InternalTaskContext) {
        this.runs.push({ at: Date.now(), scheduledAt: ctx.scheduledAt.getTime(), jobId: ctx.jobId });
      }
    }
    @Module({ imports: [HybridSchedulerModule.forRoot()], providers: [Ticker] })
    class AppModule {}

    const started = Date.now();
    booted = await bootApp(AppModule);
    await sleep(1_050);
    const runs = booted.app.get(Ticker).runs;
    // ~10 ticks; a loaded machine may turn a late one into a reported miss, never into an extra run.
    expect(runs.length).toBeGreaterThanOrEqual(7);
    expect(runs.length).toBeLessThanOrEqual(11);
    expect(runs[0].jobId).toBe('internal:grid');
    // Due times sit exactly one period apart: a late timer never shifts the next tick.
    for (let i = 1; i < runs.length; i++) {
      const gap = runs[i].scheduledAt - runs[i - 1].scheduledAt;
      expect(gap % 100).toBe(0);
      expect(gap).toBeGreaterThan(0);
    }
    // The 10th tick is due ~1000ms after boot, not 10 × (100ms + timer latency).
    const lateness = runs.map((run) => run.at - run.scheduledAt).sort((a, b) => a - b);
    expect(lateness[Math.floor(lateness.length / 2)]).toBeLessThan(50);
    expect(runs[0].scheduledAt - started).toBeGreaterThanOrEqual(90);
  });

  it('fires a 6-field cron every second, on the second', async () => {
    @Injectable()
    class Clock {
      runs: Date[] = [];
      @InternalTask({ name: 'each-second', cron: '* * * * * *' })
      tick(ctx: InternalTaskContext) {
        this.runs.push(ctx.scheduledAt);
      }
    }
    @Module({ imports: [HybridSchedulerModule.forRoot()], providers: [Clock] })
    class AppModule {}
    booted = await bootApp(AppModule);
    await waitFor(() => booted!.app.get(Clock).runs.length >= 2, 3_500, 'two cron ticks');
    const [first, second] = booted.app.get(Clock).runs;
    expect(first.getMilliseconds()).toBe(0);
    expect(second.getTime() - first.getTime()).toBe(1000);
    const info = await booted.scheduler.getJob('internal:each-second');
    expect(info.schedule).toBe('cron * * * * * * (UTC)');
    expect(info.nextRunAt!.getTime()).toBeGreaterThan(Date.now() - 5);
  });

  it('runs a one-shot `at` task once at its date and never again', async () => {
    const at = new Date(Date.now() + 300);
    @Injectable()
    class Once {
      runs: number[] = [];
      @InternalTask({ name: 'once', at })
      go() {
        this.runs.push(Date.now());
      }
    }
    @Module({ imports: [HybridSchedulerModule.forRoot()], providers: [Once] })
    class AppModule {}
    booted = await bootApp(AppModule);
    await sleep(700);
    const runs = booted.app.get(Once).runs;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toBeGreaterThanOrEqual(at.getTime());
    expect((await booted.scheduler.getJob('internal:once')).nextRunAt).toBeNull();
  });

  it('reports an `at` date that passed before boot as missed (catchUp skip) or runs it once (catchUp once)', async () => {
    const past = new Date(Date.now() - 3_600_000);
    @Injectable()
    class Late {
      skipped = 0;
      caughtUp = 0;
      @InternalTask({ name: 'late-skip', at: past })
      a() {
        this.skipped++;
      }
      @InternalTask({ name: 'late-once', at: past, catchUp: 'once' })
      b() {
        this.caughtUp++;
      }
    }
    @Module({ imports: [HybridSchedulerModule.forRoot()], providers: [Late] })
    class AppModule {}
    booted = await bootApp(AppModule);
    await waitFor(() => booted!.app.get(Late).caughtUp === 1, 2_000, 'catch-up run');
    await sleep(50);
    expect(booted.app.get(Late).skipped).toBe(0);
    expect(booted.eventsOf('internal:late-skip', 'missed')).toHaveLength(1);
    expect(booted.eventsOf('internal:late-skip', 'missed')[0].scheduledAt).toEqual(past);
  });

  it('skips a tick while the previous run is still going (overlap: skip) and reports it', async () => {
    @Injectable()
    class Slow {
      concurrent = 0;
      maxConcurrent = 0;
      runs = 0;
      @InternalTask({ name: 'slow', every: 100 })
      async work() {
        this.runs++;
        this.maxConcurrent = Math.max(this.maxConcurrent, ++this.concurrent);
        await sleep(250);
        this.concurrent--;
      }
      @InternalTask({ name: 'slow-allow', every: 100, overlap: 'allow' })
      async allowed() {
        await sleep(250);
      }
    }
    @Module({ imports: [HybridSchedulerModule.forRoot()], providers: [Slow] })
    class AppModule {}
    booted = await bootApp(AppModule);
    await sleep(780);
    const slow = booted.app.get(Slow);
    expect(slow.maxConcurrent).toBe(1);
    expect(slow.runs).toBeGreaterThanOrEqual(2);
    const skipped = booted.eventsOf('internal:slow', 'skipped');
    expect(skipped.length).toBeGreaterThanOrEqual(3);
    expect(skipped[0].reason).toMatch(/still running/);
    expect(booted.eventsOf('internal:slow-allow', 'skipped')).toHaveLength(0);
    const info = await booted.scheduler.getJob('internal:slow-allow');
    expect(info.running).toBeGreaterThanOrEqual(2);
  });

  it('reports a failing run with its error and keeps firing', async () => {
    @Injectable()
    class Flaky {
      calls = 0;
      @InternalTask({ name: 'flaky', every: 80 })
      run() {
        this.calls++;
        if (this.calls === 1) throw new Error('disk full');
      }
    }
    @Module({ imports: [HybridSchedulerModule.forRoot()], providers: [Flaky] })
    class AppModule {}
    booted = await bootApp(AppModule);
    await waitFor(() => booted!.app.get(Flaky).calls >= 3, 2_000, 'three runs');
    const failed = booted.eventsOf('internal:flaky', 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0].error?.message).toBe('disk full');
    expect(booted.eventsOf('internal:flaky', 'succeeded').length).toBeGreaterThanOrEqual(2);
    const info = await booted.scheduler.getJob('internal:flaky');
    expect(info.failures).toBe(1);
    expect(info.lastStatus).toBe('succeeded');
    expect(info.lastError).toBeNull();
  });

  it('aborts the signal and reports a timeout after timeoutMs', async () => {
    @Injectable()
    class Hanging {
      sawAbort = false;
      @InternalTask({ name: 'hang', every: 100, timeoutMs: 50 })
      async hang(ctx: InternalTaskContext) {
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
        this.sawAbort = true;
      }
    }
    @Module({ imports: [HybridSchedulerModule.forRoot()], providers: [Hanging] })
    class AppModule {}
    booted = await bootApp(AppModule);
    await waitFor(() => booted!.eventsOf('internal:hang', 'failed').length > 0, 2_000, 'timeout');
    expect(booted.eventsOf('internal:hang', 'failed')[0].error?.message).toMatch(/timed out after 50ms/);
    expect(booted.app.get(Hanging).sawAbort).toBe(true);
  });

  it('reports ticks missed while the event loop was blocked, instead of dropping them silently', async () => {
    @Injectable()
    class Heartbeat {
      runs = 0;
      @InternalTask({ name: 'beat', every: 100 })
      beat() {
        this.runs++;
      }
    }
    @Module({ imports: [HybridSchedulerModule.forRoot()], providers: [Heartbeat] })
    class AppModule {}
    booted = await bootApp(AppModule);
    await sleep(150);
    const blockedUntil = Date.now() + 550;
    blockEventLoop(550);
    await sleep(60);
    const missed = booted.eventsOf('internal:beat', 'missed');
    expect(missed.length).toBeGreaterThanOrEqual(4);
    expect(missed[0].reason).toMatch(/event loop blocked/);
    // The current tick still ran right after the stall.
    const runsAfterStall = booted
      .eventsOf('internal:beat', 'started')
      .filter((e) => e.scheduledAt!.getTime() >= blockedUntil - 100);
    expect(runsAfterStall.length).toBeGreaterThanOrEqual(1);
  });
});
