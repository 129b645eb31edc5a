import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Injectable, Logger, Module } from '@nestjs/common';
import { HybridSchedulerModule, PrefectDeployment, type TaskContext } from 'nestjs-hybrid-scheduler';
import { SchedulerTiers } from '../../../libs/hybrid-scheduler/src/lifecycle/scheduler-tiers.js';
import { PrefectTier } from '../../../libs/hybrid-scheduler/src/tiers/prefect/prefect.tier.js';
import { startPrefectTestServer, type PrefectTestServer } from '../../support/prefect-server/index.js';
import { waitFor } from '../../support/nest-app.js';
import { freePort } from '../../support/server-process.js';
import { bootError, bootPrefectApp, FAST, tcpProxy } from './prefect-app.js';

const ticks: Array<{ tier: string; runId: string }> = [];
const warnings = () => jest.spyOn(Logger.prototype, 'warn');
const texts = (spy: ReturnType<typeof warnings>) => spy.mock.calls.map((c) => String(c[0]));

@Injectable()
class Five {
  @PrefectDeployment({ flow: 'five', every: '1s' })
  async run() {}
}

@Injectable()
class Six {
  @PrefectDeployment({ flow: 'six', every: '1s' })
  async run(_params: unknown, ctx: TaskContext) {
    ticks.push({ tier: ctx.jobId.split(':')[0]!, runId: ctx.runId });
  }
}

describe('prefect tier: recovery (new-user trial)', () => {
  let server: PrefectTestServer | undefined;
  afterEach(async () => {
    jest.restoreAllMocks();
    expect(server?.schemaViolations ?? []).toEqual([]);
    await server?.stop();
    server = undefined;
    ticks.length = 0;
  });

  it('a 6-field cron fails boot also when Prefect is down (before: accepted on the fallback, lost at recovery)', async () => {
    @Injectable()
    class SecondsCron {
      @PrefectDeployment({ flow: 'six', cron: '*/5 * * * * *' })
      async run() {}
    }
    @Module({
      imports: [
        HybridSchedulerModule.forRoot({
          queue: {},
          prefect: { ...FAST, apiUrl: `http://127.0.0.1:${await freePort()}/api` },
        }),
      ],
      providers: [SecondsCron],
    })
    class DownAtBoot {}
    const error = await bootError(DownAtBoot);
    expect(error?.name).toBe('InvalidTaskOptionsError');
    expect(error?.message).toMatch(/@PrefectDeployment.*"cron".*\*\/5 \* \* \* \* \*.*5-field cron/s);
  });

  it('a task the recovered tier refuses keeps running on its fallback, with a warning, and moves at a later check', async () => {
    server = await startPrefectTestServer({ schedulerIntervalMs: 100 });
    const proxy = await tcpProxy(server.port);
    const booted = await bootPrefectApp(`http://127.0.0.1:${proxy.port}/api`, [Six], {}, { queue: {} });
    try {
      expect((await booted.scheduler.listJobs()).map((j) => j.id)).toEqual(['queue:six/default']);
      const warn = warnings();
      // A refusal of the kind register() can throw, until `refusing` is turned off: a fault injected for the test.
      let refusing = true;
      const register = PrefectTier.prototype.register;
      jest.spyOn(PrefectTier.prototype, 'register').mockImplementation(function (this: PrefectTier, task) {
        if (refusing) throw new Error('refused for the test');
        return register.call(this, task);
      });
      await proxy.open();
      await waitFor(
        () => texts(warn).some((t) => t.includes('Task "six/default" stays on the queue tier')),
        5_000,
        'the warning',
      );
      expect(texts(warn).find((t) => t.includes('stays on the queue tier'))).toContain(
        'refused for the test',
      );
      const ranOnQueue = ticks.filter((t) => t.tier === 'queue').length;
      await waitFor(
        async () =>
          (await booted.scheduler.listJobs()).some((j) => j.id === 'queue:six/default') &&
          ticks.filter((t) => t.tier === 'queue').length > ranOnQueue,
        3_000,
        'the task to keep running on the queue tier',
      );
      expect(texts(warn).filter((t) => t.includes('stays on the queue tier'))).toHaveLength(1); // once per reason
      // the next check after the fault is gone moves it, and Prefect runs it
      refusing = false;
      await waitFor(
        async () => (await booted.scheduler.listJobs()).map((j) => j.id).join() === 'prefect:six/default',
        5_000,
        'the move at a later check',
      );
      await waitFor(() => ticks.some((t) => t.tier === 'prefect'), 6_000, 'a run by Prefect');
      expect(server.deployments()).toHaveLength(1);
    } finally {
      await booted.close();
      await proxy.close();
    }
  });

  it('Prefect restarted on an empty database: the work pool and deployments come back and runs go on', async () => {
    server = await startPrefectTestServer({ schedulerIntervalMs: 100 });
    const port = server.port;
    const booted = await bootPrefectApp(server.url, [Five, Six], {}, {});
    try {
      await waitFor(() => ticks.some((t) => t.tier === 'prefect'), 6_000, 'a first run');
      const warn = warnings();
      await server.stop();
      server = await startPrefectTestServer({ port, schedulerIntervalMs: 100 });
      const fresh = server;
      const before = new Set(ticks.map((t) => t.runId));
      await waitFor(
        () => fresh.workPools().some((p) => p.name === 'nestjs') && fresh.deployments().length === 2,
        8_000,
        'the pool and the deployments to be back',
      );
      const runIds = () => new Set(fresh.flowRuns().map((r) => r.id));
      await waitFor(
        () => ticks.some((t) => !before.has(t.runId) && runIds().has(t.runId)),
        8_000,
        'a run scheduled by the restarted Prefect',
      );
      expect(texts(warn)).toContainEqual(
        expect.stringContaining('Work pool "nestjs" was missing in Prefect'),
      );
      const tier = booted.app.get(SchedulerTiers).prefect('check health');
      // every loop answers again: no failure of the missing pool is left standing (the real last error until then)
      await waitFor(
        async () => {
          const health = await tier.health();
          return health.status === 'up' && health.details.lastError === null;
        },
        5_000,
        'health to be up with no standing error',
      );
    } finally {
      await booted.close();
    }
  });

  it('nextRunAt is the earliest run not started, also when the worker already claimed it (PENDING)', async () => {
    server = await startPrefectTestServer({ schedulerIntervalMs: 100 });
    const booted = await bootPrefectApp(server.url, [Six], { prefetchMs: 10_000 });
    try {
      const fresh = server;
      await waitFor(() => fresh.flowRuns({ stateType: 'PENDING' }).length >= 3, 5_000, 'claimed runs');
      const job = (await booted.scheduler.listJobs()).find((j) => j.id === 'prefect:six/default')!;
      // Read after listJobs: a run can only have left PENDING since (started), never come back to it.
      const claimed = fresh.flowRuns({ stateType: 'PENDING' }).map((r) => Date.parse(r.expected_start_time!));
      // before: the first SCHEDULED run, after every claimed one (every 1s, 4 claimed ahead by the prefetch)
      expect(job.nextRunAt!.getTime()).toBeLessThanOrEqual(Math.min(...claimed));
    } finally {
      await booted.close();
    }
  });
});
