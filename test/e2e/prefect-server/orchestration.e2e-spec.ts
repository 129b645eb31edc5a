import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startPrefectTestServer, type PrefectTestServer } from '../../support/prefect-server/index.js';
import { client, pending, setupDeployment, state, type Client } from './client.js';

describe('Prefect test server: set_state orchestration', () => {
  let server: PrefectTestServer;
  let api: Client;
  let deploymentId: string;
  beforeAll(async () => {
    server = await startPrefectTestServer();
    api = client(server);
    deploymentId = (await setupDeployment(api)).id;
  });
  afterAll(async () => {
    expect(api.responseIssues).toEqual([]);
    expect(server.schemaViolations).toEqual([]);
    await server.stop();
  });

  const newRun = async (body: Record<string, unknown> = {}) =>
    (await api.post(`/deployments/${deploymentId}/create_flow_run`, body)).body;

  it('claim lock: the first PENDING is accepted (201), a second gets ABORT (200)', async () => {
    const run = await newRun();
    const first = await api.post(`/flow_runs/${run.id}/set_state`, pending(randomUUID()));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      status: 'ACCEPT',
      state: { type: 'PENDING', name: 'Pending' },
      details: { type: 'accept_details' },
    });
    const second = await api.post(`/flow_runs/${run.id}/set_state`, pending(randomUUID()));
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ status: 'ABORT', state: null, details: { type: 'abort_details' } });
    // Renaming PENDING to "Submitting" is allowed (3.6.22+ workers do it).
    const submitting = await api.post(`/flow_runs/${run.id}/set_state`, {
      state: { type: 'PENDING', name: 'Submitting' },
    });
    expect(submitting.body.status).toBe('ACCEPT');
    // RUNNING from PENDING sets start_time, run_count; PENDING from RUNNING → ABORT.
    const running = await api.post(`/flow_runs/${run.id}/set_state`, state('RUNNING'));
    expect(running.body.status).toBe('ACCEPT');
    const read = (await api.get(`/flow_runs/${run.id}`)).body;
    expect(read).toMatchObject({ state_type: 'RUNNING', run_count: 1 });
    expect(read.start_time).not.toBeNull();
    expect((await api.post(`/flow_runs/${run.id}/set_state`, pending())).body.status).toBe('ABORT');
    const done = await api.post(`/flow_runs/${run.id}/set_state`, state('COMPLETED', { message: 'ok' }));
    expect(done.status).toBe(201);
    const final = server.flowRuns().find((r) => r.id === run.id)!;
    expect(final.end_time).not.toBeNull();
    expect(final.total_run_time).toBeGreaterThanOrEqual(0);
    expect(server.stateHistory(run.id).map((s) => `${s.type}/${s.name}`)).toEqual([
      'SCHEDULED/Scheduled',
      'PENDING/Pending',
      'PENDING/Submitting',
      'RUNNING/Running',
      'COMPLETED/Completed',
    ]);
  });

  it('WAIT with delay_seconds when RUNNING is proposed before the scheduled time', async () => {
    const at = new Date(Date.now() + 30_000).toISOString();
    const run = await newRun({ state: { type: 'SCHEDULED', state_details: { scheduled_time: at } } });
    expect((await api.post(`/flow_runs/${run.id}/set_state`, pending())).body.status).toBe('ACCEPT');
    const wait = await api.post(`/flow_runs/${run.id}/set_state`, state('RUNNING'));
    expect(wait.status).toBe(200);
    expect(wait.body).toMatchObject({ status: 'WAIT', state: null, details: { type: 'wait_details' } });
    expect(wait.body.details.delay_seconds).toBeGreaterThanOrEqual(29);
    expect(wait.body.details.delay_seconds).toBeLessThanOrEqual(30);
    expect(server.flowRuns().find((r) => r.id === run.id)!.state_type).toBe('PENDING');
  });

  it('repeated transition_id → REJECT with the current state (idempotent retries)', async () => {
    const run = await newRun();
    const tid = randomUUID();
    const first = await api.post(`/flow_runs/${run.id}/set_state`, pending(tid));
    const again = await api.post(`/flow_runs/${run.id}/set_state`, pending(tid));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'REJECT', details: { type: 'reject_details' } });
    expect(again.body.state.id).toBe(first.body.state.id);
    expect(server.stateHistory(run.id)).toHaveLength(2);
  });

  it('retries: FAILED → REJECT into AwaitingRetry (in_process, skipped by the poll), then FAILED once retries are used', async () => {
    const run = await newRun();
    expect(
      (await api.patch(`/flow_runs/${run.id}`, { empirical_policy: { retries: 1, retry_delay: 1 } })).status,
    ).toBe(204);
    await api.post(`/flow_runs/${run.id}/set_state`, pending());
    await api.post(`/flow_runs/${run.id}/set_state`, state('RUNNING'));
    const failed = await api.post(`/flow_runs/${run.id}/set_state`, state('FAILED', { message: 'boom' }));
    expect(failed.status).toBe(201);
    expect(failed.body).toMatchObject({
      status: 'REJECT',
      state: { type: 'SCHEDULED', name: 'AwaitingRetry', message: 'boom' },
    });
    const retryAt = Date.parse(failed.body.state.state_details.scheduled_time);
    expect(retryAt).toBeGreaterThan(Date.now() + 500);
    expect((await api.get(`/flow_runs/${run.id}`)).body.empirical_policy.retry_type).toBe('in_process');
    const poll = await api.post('/work_pools/nest-pool/get_scheduled_flow_runs', {
      scheduled_before: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(poll.body.map((r: { flow_run: { id: string } }) => r.flow_run.id)).not.toContain(run.id);
    // Prefect's serve-style poll by deployment ids is a plain filter: it does return the in-process retry.
    const served = await api.post('/deployments/get_scheduled_flow_runs', {
      deployment_ids: [run.deployment_id],
      scheduled_before: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(served.body.map((r: { id: string }) => r.id)).toContain(run.id);
    // Too early: WAIT; after the delay: RUNNING again (run_count 2), then FAILED is final.
    expect((await api.post(`/flow_runs/${run.id}/set_state`, state('RUNNING'))).body.status).toBe('WAIT');
    await new Promise((r) => setTimeout(r, Math.max(0, retryAt - Date.now() + 20)));
    expect((await api.post(`/flow_runs/${run.id}/set_state`, state('RUNNING'))).body.status).toBe('ACCEPT');
    expect((await api.get(`/flow_runs/${run.id}`)).body.run_count).toBe(2);
    const final = await api.post(
      `/flow_runs/${run.id}/set_state`,
      state('FAILED', { message: 'boom again' }),
    );
    expect(final.body).toMatchObject({ status: 'ACCEPT', state: { type: 'FAILED' } });
  });

  it('CANCELLING accepts only CANCELLED; terminal states ABORT unforced proposals; force bypasses the rules', async () => {
    const run = await newRun();
    await api.post(`/flow_runs/${run.id}/set_state`, pending());
    await api.post(`/flow_runs/${run.id}/set_state`, state('RUNNING'));
    server.setFlowRunState(run.id, { type: 'CANCELLING', name: 'Cancelling' });
    const cancelling = await api.post('/flow_runs/filter', {
      flow_runs: { id: { any_: [run.id] }, state: { type: { any_: ['CANCELLING'] } } },
      limit: 200,
    });
    expect(cancelling.body).toHaveLength(1);
    const completed = await api.post(`/flow_runs/${run.id}/set_state`, state('COMPLETED'));
    expect(completed.status).toBe(200);
    expect(completed.body).toMatchObject({ status: 'REJECT', state: { type: 'CANCELLING' } });
    expect((await api.post(`/flow_runs/${run.id}/set_state`, state('FAILED'))).body.status).toBe('REJECT');
    const cancelled = await api.post(`/flow_runs/${run.id}/set_state`, {
      state: { type: 'CANCELLED', name: 'Cancelled' },
      force: true,
    });
    expect(cancelled.body).toMatchObject({ status: 'ACCEPT', state: { type: 'CANCELLED' } });
    const after = await api.post(`/flow_runs/${run.id}/set_state`, state('COMPLETED'));
    expect(after.body).toMatchObject({ status: 'ABORT', state: null });
    const crashed = await api.post(`/flow_runs/${run.id}/set_state`, {
      state: { type: 'CRASHED', message: 'forced' },
      force: true,
    });
    expect(crashed.body.status).toBe('ACCEPT');
    expect(server.flowRuns().find((r) => r.id === run.id)!.state_type).toBe('CRASHED');
  });

  it('cancelling a run no worker picked up (no infrastructure_pid) goes straight to Cancelled', async () => {
    const run = await newRun();
    server.setFlowRunState(run.id, { type: 'CANCELLING' });
    expect(server.flowRuns().find((r) => r.id === run.id)!.state_type).toBe('CANCELLED');
    const res = await api.post(`/flow_runs/${run.id}/set_state`, pending());
    expect(res.body.status).toBe('ABORT');
  });
});
