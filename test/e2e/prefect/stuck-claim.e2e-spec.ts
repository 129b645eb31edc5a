import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { PrefectDeployment } from 'nestjs-hybrid-scheduler';
import { startPrefectTestServer, type PrefectTestServer } from '../../support/prefect-server/index.js';
import { waitFor } from '../../support/nest-app.js';
import { bootPrefectApp } from './prefect-app.js';

const executions = new Map<string, number>();

@Injectable()
class Work {
  @PrefectDeployment({ flow: 'stuck', name: 'prod' })
  async run(_params: unknown, ctx: { flowRunId: string }) {
    executions.set(ctx.flowRunId, (executions.get(ctx.flowRunId) ?? 0) + 1);
  }
}

/** The client gives up on a held request after 300ms (5 tries with backoff: ~5s per proposal). */
const SHORT = { requestTimeoutMs: 300, concurrency: 4, pollIntervalMs: 200 };

describe('prefect tier: a claim whose RUNNING cannot be reported is given back (issue 16.2)', () => {
  let server: PrefectTestServer;
  /** With a 300 ms timeout a loaded machine may miss the boot probe: the tier then registers on its next probe. */
  const deploymentId = async () => {
    await waitFor(() => server.deployments().length > 0, 10_000, 'the deployment to be registered');
    return server.deployments()[0]!.id;
  };
  const stateOf = (id: string) => server.flowRuns().find((r) => r.id === id)?.state;
  const dropped = (type: string) =>
    server.requests.filter(
      (r) => r.status === 0 && (r.body as { state?: { type?: string } })?.state?.type === type,
    ).length;

  beforeEach(async () => {
    executions.clear();
    server = await startPrefectTestServer();
  });
  afterEach(async () => {
    server.holdSetState(null);
    expect(server.schemaViolations).toEqual([]);
    await server.stop();
  });

  it('the repro: RUNNING held; the claims go back to SCHEDULED as soon as Prefect answers; both runs run exactly once', async () => {
    const app = await bootPrefectApp(server.url, [Work], SHORT);
    try {
      const id = await deploymentId();
      server.holdSetState({ types: ['RUNNING'], ms: 1_000 });
      const runs = [server.createFlowRun(id), server.createFlowRun(id)];
      await waitFor(
        () =>
          runs.every((r) =>
            server
              .stateHistory(r.id)
              .some((s) => s.type === 'SCHEDULED' && (s.message ?? '').startsWith('Released by')),
          ),
        40_000,
        'both claims to be given back while RUNNING cannot be reported',
      );
      expect(dropped('RUNNING')).toBeGreaterThanOrEqual(2);
      expect(executions.size).toBe(0);
      server.holdSetState(null);
      await waitFor(
        () => runs.every((r) => stateOf(r.id)?.type === 'COMPLETED'),
        40_000,
        'both runs to complete once RUNNING is answered again',
      );
      expect(runs.map((r) => executions.get(r.id))).toEqual([1, 1]);
      expect(server.flowRuns({ stateType: 'PENDING' })).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('runs a stopped worker left PENDING are recovered by the next start and run exactly once', async () => {
    const first = await bootPrefectApp(server.url, [Work], { ...SHORT, shutdownTimeoutMs: 300 });
    const id = await deploymentId();
    server.holdSetState({ types: ['RUNNING', 'SCHEDULED'], ms: 1_000 });
    const runs = [server.createFlowRun(id), server.createFlowRun(id)];
    await waitFor(
      () => runs.every((r) => stateOf(r.id)?.type === 'PENDING') && dropped('RUNNING') >= 2,
      10_000,
      'both runs claimed, their RUNNING unanswered',
    );
    await first.close(); // cannot give them back: SCHEDULED is held too
    expect(runs.map((r) => stateOf(r.id)?.type)).toEqual(['PENDING', 'PENDING']);

    server.holdSetState(null);
    const second = await bootPrefectApp(server.url, [Work], SHORT);
    try {
      await waitFor(
        () => runs.every((r) => stateOf(r.id)?.type === 'COMPLETED'),
        10_000,
        'the next start to recover and run both',
      );
      expect(runs.map((r) => executions.get(r.id))).toEqual([1, 1]);
      for (const r of runs) {
        expect(server.stateHistory(r.id).map((s) => s.message ?? '')).toContainEqual(
          expect.stringMatching(/recovered at start: claimed by worker ".+", which no longer runs/),
        );
      }
    } finally {
      await second.close();
    }
  });

  it('a run whose COMPLETED cannot be reported ends COMPLETED once Prefect answers, not CRASHED, run once', async () => {
    const app = await bootPrefectApp(server.url, [Work], SHORT);
    try {
      const id = await deploymentId();
      server.holdSetState({ types: ['COMPLETED'], ms: 1_000 });
      const run = server.createFlowRun(id);
      await waitFor(() => executions.get(run.id) === 1, 5_000, 'the method to run');
      await waitFor(() => dropped('COMPLETED') >= 3, 10_000, 'several COMPLETED reports dropped');
      expect(stateOf(run.id)?.type).toBe('RUNNING');
      server.holdSetState(null);
      await waitFor(() => stateOf(run.id)?.type === 'COMPLETED', 15_000, 'COMPLETED once Prefect answers');
      expect(server.stateHistory(run.id).map((s) => s.type)).toEqual([
        'SCHEDULED',
        'PENDING',
        'RUNNING',
        'COMPLETED',
      ]);
      expect(executions.get(run.id)).toBe(1);
    } finally {
      await app.close();
    }
  });
});
