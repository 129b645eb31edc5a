import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  HybridSchedulerModule,
  PrefectDeployment,
  type HybridSchedulerModuleOptions,
  type TaskContext,
} from 'nestjs-hybrid-scheduler';
import { startPrefectTestServer, type PrefectTestServer } from '../../support/prefect-server/index.js';
import { sleep, waitFor } from '../../support/nest-app.js';
import { SchedulerTiers } from '../../../libs/hybrid-scheduler/src/lifecycle/scheduler-tiers.js';
import { freePort } from '../../support/server-process.js';
import { bootPrefectApp, FAST, tcpProxy } from './prefect-app.js';

const ticks: Array<{ tier: string; scheduledAt: number; runId: string }> = [];

@Injectable()
class Sweep {
  @PrefectDeployment({ flow: 'daily-code-sweep', name: 'prod', every: '1s', parameters: { depth: 2 } })
  async sweep(params: { depth: number }, ctx: TaskContext) {
    ticks.push({ tier: ctx.jobId.split(':')[0], scheduledAt: ctx.scheduledAt.getTime(), runId: ctx.runId });
    expect(params).toEqual({ depth: 2 });
  }
}

const bootFails = async (prefect: { apiUrl: string; apiKey?: string }): Promise<Error> => {
  @Module({
    imports: [
      HybridSchedulerModule.forRoot({
        fallback: 'fail',
        queue: { enabled: false },
        prefect: { ...FAST, ...prefect },
      }),
    ],
    providers: [Sweep],
  })
  class FailingModule {}
  const app = (await Test.createTestingModule({ imports: [FailingModule] }).compile()).createNestApplication({
    logger: false,
  });
  try {
    await app.init();
  } catch (error) {
    return error as Error;
  } finally {
    await app.close().catch(() => undefined);
  }
  throw new Error('boot succeeded');
};

describe('prefect tier: Prefect unreachable or refusing', () => {
  let server: PrefectTestServer | undefined;
  afterEach(async () => {
    if (server) expect(server.schemaViolations).toEqual([]);
    await server?.stop();
    server = undefined;
  });

  /**
   * Prefect already knows the deployment (registered by an earlier boot); the app reaches it through a proxy
   * that is down at boot (`proxy.open()` brings it back), so its tasks start on their fallback tier.
   */
  const bootBehindClosedProxy = async (
    serverOptions: Parameters<typeof startPrefectTestServer>[0],
    options: Omit<HybridSchedulerModuleOptions, 'prefect'>,
  ) => {
    server = await startPrefectTestServer(serverOptions);
    const earlier = await bootPrefectApp(server.url, [Sweep], { registerOnly: true });
    await earlier.close();
    const proxy = await tcpProxy(server.port);
    const booted = await bootPrefectApp(`http://127.0.0.1:${proxy.port}/api`, [Sweep], {}, options);
    return { server, proxy, booted };
  };

  it.each([
    ['internal', { queue: { enabled: false } }],
    ['queue', { queue: {} }],
  ] as const)(
    'degrade to the %s tier: moves the schedule to Prefect once it answers, and no tick runs twice',
    async (fallbackTier, queueOptions) => {
      ticks.length = 0;
      // Prefect keeps scheduling runs during the outage.
      const { server, proxy, booted } = await bootBehindClosedProxy(
        { schedulerIntervalMs: 100 },
        { fallback: 'degrade', ...queueOptions },
      );
      try {
        expect((await booted.scheduler.listJobs()).map((j) => [j.id, j.declaredTier])).toEqual([
          [`${fallbackTier}:daily-code-sweep/prod`, 'prefect'],
        ]);
        await waitFor(
          () => ticks.filter((t) => t.tier === fallbackTier).length >= 2,
          4_000,
          'fallback ticks',
        );
        const dueDuringOutage = server
          .flowRuns({ stateType: 'SCHEDULED' })
          .filter((r) => Date.parse(r.expected_start_time!) < Date.now());
        expect(dueDuringOutage.length).toBeGreaterThanOrEqual(1);

        const upAt = Date.now();
        await proxy.open();
        await waitFor(
          async () =>
            (await booted.scheduler.listJobs()).some((j) => j.id === 'prefect:daily-code-sweep/prod'),
          5_000,
          'the switch',
        );
        expect((await booted.scheduler.listJobs()).map((j) => j.id)).toEqual([
          'prefect:daily-code-sweep/prod',
        ]);
        await waitFor(
          () => ticks.filter((t) => t.tier === 'prefect').length >= 2,
          6_000,
          'ticks run by Prefect',
        );

        const internal = ticks.filter((t) => t.tier === fallbackTier);
        const viaPrefect = ticks.filter((t) => t.tier === 'prefect');
        const lastInternal = Math.max(...internal.map((t) => t.scheduledAt));
        expect(lastInternal).toBeLessThan(upAt + 1_500);
        // every run Prefect executed was due after the fallback stopped; the ones due during the outage were skipped
        expect(Math.min(...viaPrefect.map((t) => t.scheduledAt))).toBeGreaterThan(lastInternal);
        for (const run of dueDuringOutage) {
          const state = server.flowRuns().find((r) => r.id === run.id)!.state!;
          expect(state).toMatchObject({ type: 'CANCELLED' });
          expect(state.message).toMatch(/ran on the fallback tier/);
          expect(viaPrefect.some((t) => t.runId === run.id)).toBe(false);
        }
        expect(server.deployments()).toHaveLength(1);
      } finally {
        await booted.close();
        await proxy.close();
      }
    },
  );

  it('a job paused on its fallback tier stays paused when it moves back to Prefect', async () => {
    ticks.length = 0;
    const { server, proxy, booted } = await bootBehindClosedProxy(
      { schedulerIntervalMs: 100 },
      { fallback: 'degrade', queue: { enabled: false } },
    );
    try {
      await booted.scheduler.pause('internal:daily-code-sweep/prod');
      await proxy.open();
      const onPrefect = () => booted.scheduler.getJob('prefect:daily-code-sweep/prod').catch(() => null);
      await waitFor(async () => (await onPrefect())?.paused === true, 6_000, 'paused on Prefect');
      expect(server.deployments()[0].paused).toBe(true);
      await sleep(3_000); // a 1 s schedule: three ticks if it ran
      expect(ticks).toEqual([]);
    } finally {
      await booted.close();
      await proxy.close();
    }
  }, 30_000);

  it('an app closed while Prefect, back after an outage, is still being started stops it: no poll after close', async () => {
    const { server, proxy, booted } = await bootBehindClosedProxy(
      { slow: { writeMs: 700 } },
      { fallback: 'degrade', queue: { enabled: false } },
    );
    const polls = () => server.requests.filter((r) => r.path.endsWith('/get_scheduled_flow_runs')).length;
    try {
      await proxy.open();
      // The probe answers within reconnectIntervalMs (300 ms); the tier's start then writes, 700 ms a write.
      await sleep(700);
      await booted.close();
      const atClose = polls();
      await sleep(4_000);
      expect(polls()).toBe(atClose);
    } finally {
      await booted.close();
      await proxy.close();
    }
  }, 30_000);

  it('fail: boot fails naming the URL and why when Prefect is unreachable', async () => {
    const port = await freePort();
    const error = await bootFails({ apiUrl: `http://127.0.0.1:${port}/api` });
    expect(error.message).toContain(`http://127.0.0.1:${port}/api/health`);
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.message).toContain("fallback is 'fail'");
  });

  it('wrong credentials: a clear error naming the URL and 401', async () => {
    server = await startPrefectTestServer({ auth: { apiKey: 'right-key' } });
    const error = await bootFails({ apiUrl: server.url, apiKey: 'wrong-key' });
    expect(error.message).toContain(server.url); // /health or the first authenticated call, whichever the server guards
    expect(error.message).toMatch(/answered 401/);
    expect(error.message).toContain('prefect.apiKey');
  });

  it('basic auth (self-hosted PREFECT_SERVER_API_AUTH_STRING) is sent on every request; health reports poll and heartbeat ages, down with the URL', async () => {
    server = await startPrefectTestServer({ auth: { basic: 'admin:s3cret' } });
    const booted = await bootPrefectApp(server.url, [Sweep], { authString: 'admin:s3cret' });
    try {
      await waitFor(
        () => server!.flowRuns({ stateType: 'COMPLETED' }).length > 0,
        5_000,
        'a run with basic auth',
      );
      expect(server.requests.filter((r) => r.status === 401)).toEqual([]);

      // health: /health answers, and the last poll and heartbeat are recent
      const tier = booted.app.get(SchedulerTiers).prefect('check health');
      const up = await tier.health();
      expect(up.status).toBe('up');
      // A run of the every-1s deployment may be executing right now: `running` is 0 or 1.
      expect(up.details).toMatchObject({ apiUrl: server.url, workPool: 'nestjs' });
      expect([0, 1]).toContain(up.details.running);
      // Ages are bounded by the poll (200 ms) and heartbeat intervals, with room for a loaded CI machine.
      expect(up.details.lastPollAgeMs).toBeLessThan(2_000);
      expect(up.details.lastHeartbeatAgeMs).toBeLessThan(4_000);
      const url = server.url;
      await server.stop();
      server = undefined;
      const down = await tier.health();
      expect(down.status).toBe('down');
      expect(String(down.details.error)).toContain(`${url}/health`);
    } finally {
      await booted.close();
    }
  });
});
