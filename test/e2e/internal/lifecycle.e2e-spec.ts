import { Injectable, Module, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  DuplicateTaskError,
  HybridSchedulerModule,
  InternalTask,
  InvalidModuleOptionsError,
  InvalidTaskOptionsError,
  QueuedWorkflow,
  TaskCancelledError,
  TierUnavailableError,
  type HybridSchedulerModuleOptions,
} from 'nestjs-hybrid-scheduler';
import { bootApp, sleep, waitFor } from '../../support/nest-app.js';

const bootFails = async (module: unknown) => {
  const moduleRef = await Test.createTestingModule({ imports: [module as never] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  try {
    await app.init();
  } finally {
    await app.close().catch(() => undefined);
  }
};

describe('internal tier: lifecycle and boot errors', () => {
  it('waits for a running handler on shutdown before closing', async () => {
    const log: string[] = [];
    @Injectable()
    class Long {
      @InternalTask({ name: 'long', every: 50 })
      async work() {
        log.push('start');
        await sleep(400);
        log.push('end');
      }
    }
    @Module({ imports: [HybridSchedulerModule.forRoot()], providers: [Long] })
    class AppModule {}
    const booted = await bootApp(AppModule);
    await waitFor(() => log.includes('start'), 1_000, 'the run to start');
    await booted.close();
    log.push('closed');
    expect(log.slice(0, 3)).toEqual(['start', 'end', 'closed']);
  });

  it('aborts handlers still running when shutdownTimeoutMs is over', async () => {
    let aborted = false;
    let reason: unknown;
    @Injectable()
    class Stuck {
      @InternalTask({ name: 'stuck', every: 50 })
      async work(ctx: { signal: AbortSignal }) {
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
        reason = ctx.signal.reason;
        aborted = true;
      }
    }
    @Module({
      imports: [HybridSchedulerModule.forRoot({ internal: { shutdownTimeoutMs: 100 } })],
      providers: [Stuck],
    })
    class AppModule {}
    const booted = await bootApp(AppModule);
    await waitFor(() => booted.eventsOf('internal:stuck', 'started').length > 0, 1_000, 'start');
    const started = Date.now();
    await booted.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    await waitFor(() => aborted, 500, 'the handler to see the abort');
    // A cancellation, as on the other tiers: not a failure.
    expect(reason).toBeInstanceOf(TaskCancelledError);
    expect((reason as Error).message).toMatch(
      /application shutdown: still running after shutdownTimeoutMs \(100ms\)/,
    );
    expect(booted.eventsOf('internal:stuck', 'cancelled')).toHaveLength(1);
    expect(booted.eventsOf('internal:stuck', 'failed')).toHaveLength(0);
  });

  it('fires each task once when HybridSchedulerModule is imported twice', async () => {
    const due: number[] = [];
    @Injectable()
    class Counter {
      @InternalTask({ name: 'counted', every: 100 })
      count(ctx: { scheduledAt: Date }) {
        due.push(ctx.scheduledAt.getTime());
      }
    }
    @Module({ imports: [HybridSchedulerModule.forRoot()] })
    class FeatureModule {}
    @Module({ imports: [HybridSchedulerModule.forRoot(), FeatureModule], providers: [Counter] })
    class AppModule {}
    const booted = await bootApp(AppModule);
    await sleep(530);
    await booted.close();
    expect(due.length).toBeGreaterThanOrEqual(3);
    expect(due.length).toBeLessThanOrEqual(6); // ~5 ticks in 530ms; a second scheduler would make it ~10
    // Each tick ran exactly once (with @nestjs/schedule, each extra forRoot() adds one more firing per tick).
    expect(new Set(due).size).toBe(due.length);
    expect(booted.events.filter((e) => e.type === 'started').length).toBe(due.length);
  });

  it('refuses to boot when one method carries two tier decorators, naming the method', async () => {
    @Injectable()
    class Twice {
      @InternalTask({ name: 'twice-internal', every: 1000 })
      @QueuedWorkflow({ name: 'twice-queued' })
      both() {}
    }
    @Module({ imports: [HybridSchedulerModule.forRoot()], providers: [Twice] })
    class AppModule {}
    const failing = bootFails(AppModule);
    await expect(failing).rejects.toThrow(InvalidTaskOptionsError);
    await expect(bootFails(AppModule)).rejects.toThrow(
      /Twice\.both\(\) carries @InternalTask and @QueuedWorkflow/,
    );
  });

  it('refuses to boot on duplicate task names, naming both places', async () => {
    @Injectable()
    class A {
      @InternalTask({ name: 'cleanup', every: 1000 })
      one() {}
    }
    @Injectable()
    class B {
      @InternalTask({ name: 'cleanup', cron: '0 * * * *' })
      two() {}
    }
    @Module({ imports: [HybridSchedulerModule.forRoot()], providers: [A, B] })
    class AppModule {}
    await expect(bootFails(AppModule)).rejects.toThrow(DuplicateTaskError);
    await expect(bootFails(AppModule)).rejects.toThrow(
      /Duplicate internal task name "cleanup": declared on A\.one\(\) and on B\.two\(\)/,
    );
  });

  it('refuses decorators on request-scoped providers', async () => {
    @Injectable({ scope: Scope.REQUEST })
    class PerRequest {
      @InternalTask({ every: 1000 })
      tick() {}
    }
    @Module({ imports: [HybridSchedulerModule.forRoot()], providers: [PerRequest] })
    class AppModule {}
    await expect(bootFails(AppModule)).rejects.toThrow(InvalidTaskOptionsError);
    await expect(bootFails(AppModule)).rejects.toThrow(
      /@InternalTask on PerRequest\.tick\(\) cannot be used: PerRequest is request-scoped/,
    );
  });

  it('refuses a bad cron at boot naming class, method, option and value', async () => {
    @Injectable()
    class Broken {
      @InternalTask({ cron: '0 25 * * *' })
      nightly() {}
    }
    @Module({ imports: [HybridSchedulerModule.forRoot()], providers: [Broken] })
    class AppModule {}
    await expect(bootFails(AppModule)).rejects.toThrow(
      /@InternalTask on Broken\.nightly\(\): option "cron" = "0 25 \* \* \*" is invalid/,
    );
  });

  it("names the module when forRootAsync's factory throws, keeping the factory's error as the cause", async () => {
    const missing = new Error('PREFECT_API_URL is not set');
    @Module({
      imports: [
        HybridSchedulerModule.forRootAsync({
          useFactory: async () => {
            throw missing;
          },
        }),
      ],
    })
    class AppModule {}
    const error = await bootFails(AppModule).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidModuleOptionsError);
    expect((error as Error).message).toMatch(
      /HybridSchedulerModule options:[\s\S]*forRootAsync\(\): useFactory threw Error: PREFECT_API_URL is not set/,
    );
    expect((error as Error).cause).toBe(missing);
  });

  it('refuses invalid module options, listing them all, through forRootAsync too', async () => {
    @Module({
      imports: [
        HybridSchedulerModule.forRootAsync({
          useFactory: async () =>
            ({
              fallback: 'maybe',
              internal: { timeZone: 'Nowhere/Land' },
            }) as unknown as HybridSchedulerModuleOptions,
        }),
      ],
    })
    class AppModule {}
    await expect(bootFails(AppModule)).rejects.toThrow(InvalidModuleOptionsError);
    await expect(bootFails(AppModule)).rejects.toThrow(
      /internal\.timeZone: must be an IANA time zone[\s\S]*fallback: must be one of/,
    );
  });

  it("runs a queued workflow on the queue tier's in-process engine with a warning when the queue tier is off (fallback 'degrade')", async () => {
    const payloads: unknown[] = [];
    @Injectable()
    class Reports {
      @QueuedWorkflow({ name: 'rollup', every: 80, schedulePayload: { scope: 'all' } })
      rollup(payload: unknown) {
        payloads.push(payload);
      }
    }
    @Module({ imports: [HybridSchedulerModule.forRoot({ queue: { enabled: false } })], providers: [Reports] })
    class AppModule {}
    const booted = await bootApp(AppModule);
    await waitFor(() => payloads.length >= 2, 1_000, 'fallback runs');
    const info = await booted.scheduler.getJob('queue:rollup');
    expect(info.declaredTier).toBe('queue');
    expect(info.details).toMatchObject({ provider: 'memory', inProcess: 'queue.enabled is false' });
    expect(payloads[0]).toEqual({ scope: 'all' });
    const result = await booted.scheduler.enqueueWorkflow('rollup', { scope: 'one' });
    expect(result.provider).toBe('memory');
    await waitFor(
      () => payloads.some((p) => (p as { scope: string }).scope === 'one'),
      1_000,
      'the enqueued fallback run',
    );
    await booted.close();
  });

  it("refuses to boot when a declared tier is unavailable and fallback is 'fail'", async () => {
    @Injectable()
    class Reports {
      @QueuedWorkflow({ name: 'rollup' })
      rollup() {}
    }
    @Module({
      imports: [HybridSchedulerModule.forRoot({ queue: { enabled: false }, fallback: 'fail' })],
      providers: [Reports],
    })
    class AppModule {}
    await expect(bootFails(AppModule)).rejects.toThrow(TierUnavailableError);
    await expect(bootFails(AppModule)).rejects.toThrow(
      /"rollup" is declared for the queue tier, which is not available/,
    );
  });
});
