import { Injectable } from '@nestjs/common';
import { PrefectDeployment, type FlowRunContext } from 'nestjs-hybrid-scheduler';
import { startPrefectTestServer, type PrefectTestServer } from '../../support/prefect-server/index.js';
import { sleep, waitFor } from '../../support/nest-app.js';
import { bootPrefectApp } from './prefect-app.js';

@Injectable()
class Flows {
  @PrefectDeployment({
    flow: 'daily-code-sweep',
    name: 'prod',
    cron: '0 2 * * *',
    timeZone: 'Europe/Berlin',
    parameters: { depth: 2 },
    tags: ['sweep'],
    retries: 2,
    retryDelaySeconds: 60,
  })
  async sweep() {}

  @PrefectDeployment({ flow: 'ticker', name: 'fast', every: '2s' })
  async tick() {}

  @PrefectDeployment({
    flow: 'weekly',
    rrule: 'FREQ=WEEKLY;BYDAY=MO;BYHOUR=9',
    timeZone: 'America/New_York',
    paused: true,
  })
  async weekly() {}

  @PrefectDeployment({ flow: 'on-demand', name: 'manual' })
  async manual() {}
}

describe('prefect tier: registration', () => {
  let server: PrefectTestServer;
  beforeEach(async () => {
    server = await startPrefectTestServer({ schedulerIntervalMs: 100 });
  });
  afterEach(async () => {
    expect(server.schemaViolations).toEqual([]);
    await server.stop();
  });

  it('registers a nestjs work pool, the flows, and deployments with their schedules, parameters, tags and pause', async () => {
    const booted = await bootPrefectApp(server.url, [Flows], { registerOnly: true });
    try {
      expect(server.workPools().map((p) => [p.name, p.type])).toEqual([['nestjs', 'nestjs']]);
      expect(
        server
          .flows()
          .map((f) => f.name)
          .sort(),
      ).toEqual(['daily-code-sweep', 'on-demand', 'ticker', 'weekly']);
      const byName = (flow: string) => {
        const flowId = server.flows().find((f) => f.name === flow)!.id;
        return server.deployments().find((d) => d.flow_id === flowId)!;
      };
      const sweep = byName('daily-code-sweep');
      expect(sweep).toMatchObject({
        name: 'prod',
        work_pool_name: 'nestjs',
        parameters: { depth: 2 },
        paused: false,
        entrypoint: 'nestjs://Flows.sweep',
      });
      expect(sweep.tags).toEqual(expect.arrayContaining(['sweep']));
      expect(sweep.schedules).toHaveLength(1);
      expect(sweep.schedules[0]).toMatchObject({
        slug: 'nestjs',
        active: true,
        schedule: { cron: '0 2 * * *', timezone: 'Europe/Berlin' },
      });
      expect(byName('ticker').schedules[0].schedule).toMatchObject({ interval: 2 });
      const weekly = byName('weekly');
      expect(weekly).toMatchObject({ name: 'default', paused: true });
      expect(weekly.schedules[0].schedule).toMatchObject({ timezone: 'America/New_York' });
      expect(JSON.stringify(weekly.schedules[0].schedule)).toContain('FREQ=WEEKLY;BYDAY=MO;BYHOUR=9');
      expect(byName('on-demand').schedules).toEqual([]);

      const jobs = await booted.scheduler.listJobs();
      expect(jobs.map((j) => j.id).sort()).toEqual([
        'prefect:daily-code-sweep/prod',
        'prefect:on-demand/manual',
        'prefect:ticker/fast',
        'prefect:weekly/default',
      ]);
      await waitFor(
        () => server.flowRuns({ deploymentId: byName('ticker').id, stateType: 'SCHEDULED' }).length >= 3,
        3_000,
        'scheduled runs',
      );
      const ticker = await booted.scheduler.getJob('prefect:ticker/fast');
      expect(ticker.nextRunAt!.getTime()).toBeGreaterThan(Date.now() - 3_000);
      expect((ticker.details!.nextRuns as unknown[]).length).toBeGreaterThanOrEqual(3);
      expect((await booted.scheduler.getJob('prefect:weekly/default')).paused).toBe(true);
    } finally {
      await booted.close();
    }
  });

  it('a restart reads the deployments and PATCHes nothing, so the scheduled run ids stay the same', async () => {
    const first = await bootPrefectApp(server.url, [Flows], { registerOnly: true });
    const deploymentIds = server
      .deployments()
      .map((d) => d.id)
      .sort();
    const tickerId = server.deployments().find((d) => d.name === 'fast')!.id;
    await waitFor(
      () => server.flowRuns({ deploymentId: tickerId, stateType: 'SCHEDULED' }).length >= 3,
      3_000,
      'scheduled runs',
    );
    await first.close();
    await sleep(300); // let the server's scheduler settle
    const future = () =>
      server
        .flowRuns({ stateType: 'SCHEDULED' })
        .filter(
          (r) => Date.parse(r.next_scheduled_start_time ?? r.expected_start_time!) > Date.now() + 1_500,
        );
    const before = future().map((r) => r.id);
    expect(before.length).toBeGreaterThan(3);
    const requestsBefore = server.requests.length;

    const second = await bootPrefectApp(server.url, [Flows], { registerOnly: true });
    await sleep(300);
    try {
      const after = server.flowRuns().map((r) => r.id);
      expect(after).toEqual(expect.arrayContaining(before));
      expect(
        server
          .deployments()
          .map((d) => d.id)
          .sort(),
      ).toEqual(deploymentIds);
      const writes = server.requests
        .slice(requestsBefore)
        .filter((r) => r.path.startsWith('/deployments') && r.method !== 'GET');
      expect(writes).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it('a changed schedule is PATCHed in place by slug; pause and resume map to the deployment', async () => {
    const first = await bootPrefectApp(server.url, [Flows], { registerOnly: true });
    await first.close();
    @Injectable()
    class Changed {
      @PrefectDeployment({ flow: 'ticker', name: 'fast', every: '5s', parameters: { verbose: true } })
      async tick() {}
    }
    const requestsBefore = server.requests.length;
    const booted = await bootPrefectApp(server.url, [Changed], { registerOnly: true });
    try {
      const patches = server.requests
        .slice(requestsBefore)
        .filter((r) => r.method === 'PATCH' && r.path.startsWith('/deployments/'));
      expect(patches).toHaveLength(1);
      expect(Object.keys(patches[0].body as object).sort()).toEqual([
        'description',
        'entrypoint',
        'parameters',
        'schedules',
      ]);
      const ticker = server.deployments().find((d) => d.name === 'fast')!;
      expect(ticker.schedules).toHaveLength(1);
      expect(ticker.schedules[0]).toMatchObject({ slug: 'nestjs', schedule: { interval: 5 } });
      expect(ticker.parameters).toEqual({ verbose: true });

      await booted.scheduler.pause('prefect:ticker/fast');
      expect(server.deployments().find((d) => d.name === 'fast')!.paused).toBe(true);
      expect((await booted.scheduler.getJob('prefect:ticker/fast')).paused).toBe(true);
      await booted.scheduler.resume('prefect:ticker/fast');
      expect(server.deployments().find((d) => d.name === 'fast')!.paused).toBe(false);
    } finally {
      await booted.close();
    }
  });

  it('scheduleDeployment registers a deployment at runtime that this worker then runs', async () => {
    const booted = await bootPrefectApp(server.url, []);
    try {
      const calls: Array<{ params: unknown; flowName: string }> = [];
      const id = await booted.scheduler.scheduleDeployment(
        { flow: 'report', name: 'tenant-42', every: '1s', parameters: { tenant: 42 } },
        async (params: unknown, ctx: FlowRunContext) => void calls.push({ params, flowName: ctx.flowName }),
      );
      expect(id).toBe('prefect:report/tenant-42');
      expect(server.deployments().map((d) => d.name)).toContain('tenant-42');
      await waitFor(() => calls.length > 0, 5_000, 'the dynamic deployment to run');
      expect(calls[0]).toEqual({ params: { tenant: 42 }, flowName: 'report' });
      expect((await booted.scheduler.listJobs()).map((j) => j.id)).toContain('prefect:report/tenant-42');
      await expect(
        booted.scheduler.scheduleDeployment({ flow: 'bad/name', every: '1s' }, async () => undefined),
      ).rejects.toThrow(/option "flow" = "bad\/name" is invalid/);
    } finally {
      await booted.close();
    }
  });
});
