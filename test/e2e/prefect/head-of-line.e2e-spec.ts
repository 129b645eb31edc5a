import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { Injectable, Logger } from '@nestjs/common';
import { PrefectDeployment } from 'nestjs-hybrid-scheduler';
import { startPrefectTestServer, type PrefectTestServer } from '../../support/prefect-server/index.js';
import { sleep, waitFor } from '../../support/nest-app.js';
import { bootPrefectApp } from './prefect-app.js';

const ran: string[] = [];
const spyOnWarn = () => jest.spyOn(Logger.prototype, 'warn');

@Injectable()
class NoopApp {
  @PrefectDeployment({ flow: 'lib-noop', name: 'prod' })
  async noop(_params: unknown, ctx: { flowRunId: string }) {
    ran.push(ctx.flowRunId);
  }
}

/** The deployment of an app that is down (registered once, no worker serves it now). */
@Injectable()
class SleepApp {
  @PrefectDeployment({ flow: 'lib-sleep', name: 'prod' })
  async sleep() {
    await sleep(60_000);
  }
}

describe('prefect tier: runs this worker does not serve never block its own (issue 16.1)', () => {
  let server: PrefectTestServer;
  let warn: ReturnType<typeof spyOnWarn>;
  const deploymentOf = (flow: string) =>
    server.deployments().find((d) => server.flows().find((f) => f.id === d.flow_id)?.name === flow)!.id;

  beforeEach(async () => {
    server = await startPrefectTestServer();
    const gone = await bootPrefectApp(server.url, [SleepApp], { registerOnly: true });
    await gone.close();
    warn = spyOnWarn();
  });
  afterEach(async () => {
    warn.mockRestore();
    expect(server.schemaViolations).toEqual([]);
    await server.stop();
  });

  it('the repro: 4 runs of an unserved deployment ahead of 5 served ones; all 5 finish, the 4 are logged once', async () => {
    const sleepId = deploymentOf('lib-sleep');
    const early = Date.now() - 60_000;
    for (let i = 0; i < 4; i++) server.createFlowRun(sleepId, { scheduledTime: new Date(early + i) });
    const app = await bootPrefectApp(server.url, [NoopApp], { concurrency: 4, pollIntervalMs: 200 });
    try {
      const noopId = deploymentOf('lib-noop');
      const mine = Array.from({ length: 5 }, () => server.createFlowRun(noopId));
      await waitFor(
        () => mine.every((r) => server.flowRuns().find((x) => x.id === r.id)?.state?.type === 'COMPLETED'),
        5_000,
        'all 5 served runs to complete',
      );
      await sleep(600); // a few more polls: still logged once
      expect(ran.filter((id) => mine.some((r) => r.id === id))).toHaveLength(5);
      expect(server.flowRuns({ deploymentId: sleepId }).map((r) => r.state_type)).toEqual(
        Array(4).fill('SCHEDULED'),
      );
      const notices = warn.mock.calls.map((c) => String(c[0])).filter((m) => m.includes(sleepId));
      expect(notices).toHaveLength(1);
      expect(notices[0]).toContain('holds 4 due flow run(s)');
      // Never asks for more than Prefect allows, and only the queue of its own deployments.
      const polls = server.requests.filter((r) => r.path.endsWith('/get_scheduled_flow_runs'));
      for (const poll of polls) {
        const body = poll.body as { limit: number; work_queue_names: string[] };
        expect(body.limit).toBeLessThanOrEqual(200);
        expect(body.work_queue_names).toEqual(['default']);
      }
    } finally {
      await app.close();
    }
  });

  it('pages past more unserved runs than one answer holds (250 ahead of 3)', async () => {
    const sleepId = deploymentOf('lib-sleep');
    const early = Date.now() - 600_000;
    for (let i = 0; i < 250; i++)
      server.createFlowRun(sleepId, { scheduledTime: new Date(early + i * 1000) });
    const app = await bootPrefectApp(server.url, [NoopApp], { concurrency: 2, pollIntervalMs: 200 });
    try {
      const noopId = deploymentOf('lib-noop');
      const mine = Array.from({ length: 3 }, () => server.createFlowRun(noopId));
      await waitFor(
        () => mine.every((r) => server.flowRuns().find((x) => x.id === r.id)?.state?.type === 'COMPLETED'),
        8_000,
        'the 3 served runs to complete behind 250 unserved ones',
      );
      expect(server.flowRuns({ deploymentId: sleepId, stateType: 'SCHEDULED' })).toHaveLength(250);
    } finally {
      await app.close();
    }
  });

  it('a worker of a dedicated queue never asks for the runs of the shared one', async () => {
    const sleepId = deploymentOf('lib-sleep');
    for (let i = 0; i < 10; i++) server.createFlowRun(sleepId);
    const app = await bootPrefectApp(server.url, [NoopApp], { workQueues: ['noop-app'] });
    try {
      const noopId = deploymentOf('lib-noop');
      expect(server.deployments().find((d) => d.id === noopId)!.work_queue_name).toBe('noop-app');
      const run = server.createFlowRun(noopId);
      await waitFor(
        () => server.flowRuns().find((x) => x.id === run.id)?.state?.type === 'COMPLETED',
        5_000,
        'the run in the dedicated queue to complete',
      );
      const answered = server.requests.filter((r) => r.path.endsWith('/get_scheduled_flow_runs'));
      expect(
        answered.every((r) => (r.body as { work_queue_names: string[] }).work_queue_names[0] === 'noop-app'),
      ).toBe(true);
      expect(warn.mock.calls.some((c) => String(c[0]).includes(sleepId))).toBe(false);
    } finally {
      await app.close();
    }
  });
});
