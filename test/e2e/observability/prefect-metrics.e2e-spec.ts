import { Injectable } from '@nestjs/common';
import { Registry } from 'prom-client';
import { PrefectDeployment, type FlowRunContext } from 'nestjs-hybrid-scheduler';
import { startPrefectTestServer, type PrefectTestServer } from '../../support/prefect-server/index.js';
import { waitFor, type BootedApp } from '../../support/nest-app.js';
import { parseProm, type Sample } from '../../support/prom-text.js';
import { bootPrefectApp, tcpProxy } from '../prefect/prefect-app.js';

const GAUGE = 'hybrid_scheduler_prefect_flow_runs';

@Injectable()
class Reports {
  done = 0;
  private readonly held: Array<() => void> = [];

  @PrefectDeployment({ flow: 'report', name: 'prod' })
  async report(params: Record<string, unknown>, _ctx: FlowRunContext) {
    if (params.mode === 'fail') throw new Error('report failed');
    if (params.mode === 'hold') await new Promise<void>((resolve) => this.held.push(resolve));
    this.done++;
  }

  release(): void {
    for (const resolve of this.held.splice(0)) resolve();
  }
}

/** `prefect_flow_runs{deployment,state,state_name}`: the app's deployments' flow runs as Prefect counts them. */
describe('metrics: Prefect flow runs by state', () => {
  let server: PrefectTestServer;
  let proxy: Awaited<ReturnType<typeof tcpProxy>>;
  let booted: BootedApp;
  const registry = new Registry();
  const scrape = async (): Promise<Sample[]> => parseProm(await registry.metrics());
  const gauge = (samples: Sample[]) =>
    Object.fromEntries(
      samples
        .filter((s) => s.name === GAUGE)
        .map((s) => [`${s.labels.deployment} ${s.labels.state} ${s.labels.state_name}`, s.value]),
    );
  const historyReads = () => server.requests.filter((r) => r.path === '/flow_runs/history').length;

  beforeAll(async () => {
    server = await startPrefectTestServer();
    proxy = await tcpProxy(server.port);
    await proxy.open();
    booted = await bootPrefectApp(
      `http://127.0.0.1:${proxy.port}/api`,
      [Reports],
      {},
      { metrics: { registry } },
    );
  });

  afterAll(async () => {
    booted?.app.get(Reports).release();
    await booted?.close();
    await proxy?.close();
    expect(server.schemaViolations).toEqual([]);
    await server?.stop();
  });

  it('shows the real counts per state, read once per deployment and scrape period; an unreachable Prefect leaves it empty without failing the scrape', async () => {
    const reports = booted.app.get(Reports);
    const deploymentId = server.deployments()[0]!.id;
    server.createFlowRun(deploymentId);
    server.createFlowRun(deploymentId);
    const failing = server.createFlowRun(deploymentId, { parameters: { mode: 'fail' } });
    const holding = server.createFlowRun(deploymentId, { parameters: { mode: 'hold' } });
    const later = new Date(Date.now() + 3_600_000);
    server.createFlowRun(deploymentId, { scheduledTime: later });
    server.createFlowRun(deploymentId, { scheduledTime: later });
    const stateOf = (id: string) => server.flowRuns().find((r) => r.id === id)?.state_type;
    await waitFor(
      () => reports.done === 2 && stateOf(failing.id) === 'FAILED' && stateOf(holding.id) === 'RUNNING',
      10_000,
      'two completed, one failed and one running flow run',
    );

    const before = historyReads();
    const samples = await scrape();
    expect(gauge(samples)).toEqual({
      'report/prod COMPLETED Completed': 2,
      'report/prod FAILED Failed': 1,
      'report/prod RUNNING Running': 1,
      'report/prod SCHEDULED Scheduled': 2,
    });
    await scrape();
    expect(historyReads() - before).toBe(1); // the second scrape reused the first one's read

    await proxy.close();
    let down: Sample[] = [];
    await waitFor(
      async () => Object.keys(gauge((down = await scrape()))).length === 0,
      15_000,
      'the gauge to empty once the cached counts expire',
    );
    // The rest of the scrape is there: the run counters, and the tier state says Prefect is down.
    expect(down.some((s) => s.name === 'hybrid_scheduler_runs_total' && s.labels.tier === 'prefect')).toBe(
      true,
    );
    const prefectStatus = (samples: Sample[]) =>
      samples.find((s) => s.name === 'hybrid_scheduler_tier_status' && s.labels.tier === 'prefect')?.value;
    await waitFor(async () => prefectStatus(await scrape()) === 0, 15_000, 'tier_status of Prefect to be 0');
  });
});
