import { jest } from '@jest/globals';
import { Injectable, Logger } from '@nestjs/common';
import { PrefectDeployment, TierUnavailableError, type FlowRunContext } from 'nestjs-hybrid-scheduler';
import { SchedulerTiers } from '../../../libs/hybrid-scheduler/src/lifecycle/scheduler-tiers.js';
import { startPrefectTestServer, type PrefectTestServer } from '../../support/prefect-server/index.js';
import { sleep, waitFor } from '../../support/nest-app.js';
import { bootPrefectApp, tcpProxy } from './prefect-app.js';

const executed: string[] = [];

@Injectable()
class Reports {
  @PrefectDeployment({ flow: 'monthly-report', name: 'prod' })
  async report(_params: Record<string, unknown>, ctx: FlowRunContext) {
    executed.push(ctx.flowRunId);
  }
}

/** Prefect becoming unreachable while the app runs: the worker keeps going, health says so, work resumes. */
describe('prefect tier: Prefect unreachable while running', () => {
  let server: PrefectTestServer;
  afterEach(async () => {
    expect(server.schemaViolations).toEqual([]);
    await server.stop();
  });

  it('survives a network outage and runs the runs created meanwhile once Prefect answers again', async () => {
    server = await startPrefectTestServer({ schedulerIntervalMs: 100 });
    const proxy = await tcpProxy(server.port);
    await proxy.open();
    const booted = await bootPrefectApp(`http://127.0.0.1:${proxy.port}/api`, [Reports]);
    try {
      const deploymentId = server.deployments()[0].id;
      const before = server.createFlowRun(deploymentId);
      await waitFor(() => executed.includes(before.id), 5_000, 'a run before the outage');

      await proxy.close();
      const during = server.createFlowRun(deploymentId); // created in Prefect while the app cannot reach it
      await sleep(1_000); // several failed polls and heartbeats
      const tier = booted.app.get(SchedulerTiers).prefect('check health');
      expect((await tier.health()).status).toBe('down');
      expect(executed).not.toContain(during.id);

      await proxy.open();
      await waitFor(() => executed.includes(during.id), 8_000, 'the run created during the outage');
      await waitFor(async () => (await tier.health()).status === 'up', 5_000, 'health to recover');
      expect(executed.filter((id) => id === during.id)).toHaveLength(1);
      expect(server.flowRuns().find((r) => r.id === during.id)?.state?.type).toBe('COMPLETED');
    } finally {
      await booted.close();
      await proxy.close();
    }
  });

  it('while Prefect is known down, facade calls fail fast with TierUnavailableError, listJobs answers stale; one outage WARN', async () => {
    server = await startPrefectTestServer({ schedulerIntervalMs: 100 });
    const proxy = await tcpProxy(server.port);
    await proxy.open();
    const warn = jest.spyOn(Logger.prototype, 'warn');
    const booted = await bootPrefectApp(`http://127.0.0.1:${proxy.port}/api`, [Reports]);
    try {
      const { scheduler } = booted;
      const id = 'prefect:monthly-report/prod';
      await proxy.close();
      const tier = booted.app.get(SchedulerTiers).prefect('check health');
      await waitFor(
        async () => (await tier.health()).details.downSince !== undefined,
        10_000,
        'the outage noticed',
      );
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['runDeployment', () => scheduler.runDeployment('monthly-report/prod')],
        ['trigger', () => scheduler.trigger(id)],
        ['pause', () => scheduler.pause(id)],
        ['resume', () => scheduler.resume(id)],
      ];
      for (const [name, call] of calls) {
        const started = Date.now();
        const error = await call().then(
          () => null,
          (e: unknown) => e,
        );
        expect([name, error]).toEqual([name, expect.any(TierUnavailableError)]);
        expect((error as TierUnavailableError).engine).toBe('prefect');
        expect((error as Error).message).toMatch(
          /prefect engine at http:\/\/127\.0\.0\.1:\d+\/api is unavailable since/,
        );
        expect(Date.now() - started).toBeLessThan(4_000); // unavailableTimeoutMs (3 s) bounds the probe
      }
      const started = Date.now();
      const job = (await scheduler.listJobs()).find((j) => j.id === id);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(job?.details).toMatchObject({ stale: true });
      await sleep(1_500); // many failed polls and heartbeats: still one WARN for the outage
      const outageLines = warn.mock.calls
        .map((c) => String(c[0]))
        .filter((m) => m.includes('is unreachable'));
      expect(outageLines).toHaveLength(1);

      await proxy.open();
      await waitFor(async () => (await tier.health()).status === 'up', 8_000, 'Prefect back');
      const ref = await scheduler.runDeployment('monthly-report/prod');
      await waitFor(() => executed.includes(ref.flowRunId), 5_000, 'a run after the outage');
      const fresh = (await scheduler.listJobs()).find((j) => j.id === id);
      expect(fresh?.details?.stale).toBeUndefined();
    } finally {
      warn.mockRestore();
      await booted.close();
      await proxy.close();
    }
  });

  it('an app closed while Prefect is down closes promptly and logs nothing afterwards (its last deployment check gives up)', async () => {
    server = await startPrefectTestServer();
    const booted = await bootPrefectApp(server.url, [Reports]);
    const levels = ['log', 'warn', 'error', 'debug'] as const;
    const spies = levels.map((level) => jest.spyOn(Logger.prototype, level));
    try {
      await server.stop();
      // A deployment check (every heartbeat, 1 s) started meanwhile: a refused connection is retried for ~4 s.
      await sleep(1_500);
      const closing = Date.now();
      await booted.close();
      expect(Date.now() - closing).toBeLessThan(3_000);
      const loggedAtClose = spies.map((spy) => spy.mock.calls.length);
      await sleep(4_500);
      const after = spies.flatMap((spy, i) =>
        spy.mock.calls.slice(loggedAtClose[i]).map((c) => String(c[0])),
      );
      expect(after).toEqual([]);
    } finally {
      for (const spy of spies) spy.mockRestore();
      await booted.close();
    }
  }, 20_000);
});
