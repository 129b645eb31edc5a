import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { startPrefectTestServer, type PrefectTestServer } from '../../support/prefect-server/index.js';
import { client, setupDeployment, type Client } from './client.js';

const HOUR = 3_600_000;

/** POST /flow_runs/count and /flow_runs/history: how many runs a filter matches, by state over intervals. */
describe('Prefect test server: flow-run counts and history', () => {
  let server: PrefectTestServer;
  let api: Client;
  beforeEach(async () => {
    server = await startPrefectTestServer();
    api = client(server);
  });
  afterEach(async () => {
    expect(api.responseIssues).toEqual([]);
    expect(server.schemaViolations).toEqual([]);
    await server.stop();
  });

  it('counts every matching run (not one page) and groups a history interval by state type and name', async () => {
    const dep = await setupDeployment(api);
    const other = await setupDeployment(api, { flow: 'other', name: 'other' });
    const runs = Array.from({ length: 205 }, () => server.createFlowRun(dep.id));
    server.createFlowRun(other.id);
    server.setFlowRunState(runs[0]!.id, { type: 'RUNNING', name: 'Running' });
    server.setFlowRunState(runs[1]!.id, { type: 'FAILED', name: 'Failed' });
    server.setFlowRunState(runs[2]!.id, { type: 'SCHEDULED', name: 'Late' });

    const ofDeployment = { flow_runs: { deployment_id: { any_: [dep.id] } } };
    expect((await api.post('/flow_runs/count', ofDeployment)).body).toBe(205);
    expect(
      (
        await api.post('/flow_runs/count', {
          ...ofDeployment,
          flow_runs: { ...ofDeployment.flow_runs, state: { type: { any_: ['SCHEDULED'] } } },
        })
      ).body,
    ).toBe(203);

    // One clock reading: two would make the span a millisecond longer than the interval, and a second interval.
    const now = Date.now();
    const start = new Date(now - HOUR).toISOString();
    const end = new Date(now + HOUR).toISOString();
    const history = await api.post('/flow_runs/history', {
      history_start: start,
      history_end: end,
      history_interval_seconds: 2 * 3600,
      deployments: { id: { any_: [dep.id] } },
    });
    expect(history.status).toBe(200);
    expect(history.body).toHaveLength(1);
    const counts = Object.fromEntries(
      history.body[0].states.map((s: { state_type: string; state_name: string; count_runs: number }) => [
        `${s.state_type}/${s.state_name}`,
        s.count_runs,
      ]),
    );
    expect(counts).toEqual({
      'SCHEDULED/Scheduled': 202,
      'SCHEDULED/Late': 1,
      'RUNNING/Running': 1,
      'FAILED/Failed': 1,
    });

    // One interval per history_interval_seconds; an interval without runs has no states; under 1 s is refused.
    const hourly = await api.post('/flow_runs/history', {
      history_start: new Date(now - 3 * HOUR).toISOString(),
      history_end: new Date(now - HOUR).toISOString(),
      history_interval_seconds: 3600,
    });
    expect(hourly.body.map((i: { states: unknown[] }) => i.states)).toEqual([[], []]);
    expect(
      (
        await api.post('/flow_runs/history', {
          history_start: start,
          history_end: end,
          history_interval_seconds: 0.5,
        })
      ).status,
    ).toBe(422);
  });
});
