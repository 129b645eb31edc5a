import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { startPrefectTestServer, type PrefectTestServer } from '../../support/prefect-server/index.js';
import { client, pending, setupDeployment, type Client } from './client.js';

const HOUR = 3_600_000;
const cron = (expr: string, slug = 'cron-0', tz = 'UTC') => ({
  schedule: { cron: expr, timezone: tz },
  active: true,
  slug,
});
const every = (seconds: number, slug = 'interval-0') => ({
  schedule: { interval: seconds, anchor_date: '2026-01-01T00:00:00Z', timezone: 'UTC' },
  active: true,
  slug,
});

describe('Prefect test server: deployments, schedules and the scheduler', () => {
  let server: PrefectTestServer;
  let api: Client;
  beforeEach(async () => {
    server = await startPrefectTestServer({ schedulerIntervalMs: 50 });
    api = client(server);
  });
  afterEach(async () => {
    expect(api.responseIssues).toEqual([]);
    expect(server.schemaViolations).toEqual([]);
    await server.stop();
  });

  const futureRuns = (deploymentId: string) =>
    server
      .flowRuns({ deploymentId, stateType: 'SCHEDULED' })
      .filter((r) => r.auto_scheduled && Date.parse(r.next_scheduled_start_time!) > Date.now());

  it('scheduler keeps ≥ 3 runs and ≥ 1 h ahead per schedule, idempotently', async () => {
    const dep = await setupDeployment(api, {
      schedules: [every(300), cron('0 2 * * *', 'nightly', 'Europe/Berlin')],
    });
    expect(dep.schedules).toHaveLength(2);
    const interval = dep.schedules.find((s: { slug: string }) => s.slug === 'interval-0').id;
    const nightly = dep.schedules.find((s: { slug: string }) => s.slug === 'nightly').id;
    const runs = futureRuns(dep.id);
    const of = (sid: string) => runs.filter((r) => r.created_by?.['id'] === sid);
    // 5-minute interval: 12 or 13 runs to reach an hour ahead; daily cron: exactly 3 (days ahead).
    expect(of(interval).length).toBeGreaterThanOrEqual(12);
    expect(
      Math.max(...of(interval).map((r) => Date.parse(r.next_scheduled_start_time!))),
    ).toBeGreaterThanOrEqual(Date.now() + HOUR - 1000);
    expect(of(nightly)).toHaveLength(3);
    for (const r of of(nightly)) {
      const local = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Berlin',
        hour: '2-digit',
        minute: '2-digit',
      }).format(new Date(r.next_scheduled_start_time!));
      expect(local).toBe('02:00');
    }
    const r0 = of(nightly)[0]!;
    expect(r0).toMatchObject({
      auto_scheduled: true,
      state_name: 'Scheduled',
      created_by: { type: 'SCHEDULE', display_value: 'nightly' },
    });
    expect(r0.tags).toEqual(['auto-scheduled', 'nestjs']);
    expect(r0.idempotency_key).toMatch(
      new RegExp(`^scheduled ${dep.id} ${nightly} \\d{4}-\\d\\d-\\d\\d \\d\\d:00:00\\+00:00$`),
    );
    // Ticks later: nothing duplicated.
    const ids = runs.map((r) => r.id).sort();
    await new Promise((r) => setTimeout(r, 200));
    server.runScheduler();
    expect(
      futureRuns(dep.id)
        .map((r) => r.id)
        .sort(),
    ).toEqual(ids);
  });

  it('rrule schedules: WEEKLY BYDAY/BYHOUR in a timezone, MINUTELY with INTERVAL', async () => {
    const dep = await setupDeployment(api, {
      schedules: [
        {
          schedule: { rrule: 'FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9', timezone: 'America/New_York' },
          slug: 'weekly',
        },
        { schedule: { rrule: 'FREQ=MINUTELY;INTERVAL=15' }, slug: 'quarter' },
      ],
    });
    const weekly = futureRuns(dep.id).filter((r) => r.created_by?.['display_value'] === 'weekly');
    expect(weekly).toHaveLength(3);
    for (const r of weekly) {
      const parts = new Intl.DateTimeFormat('en-US', {
        timeZone: 'America/New_York',
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
        hour12: false,
      }).format(new Date(r.next_scheduled_start_time!));
      expect(parts).toMatch(/^(Mon|Wed),? 09:00$/);
    }
    const quarter = futureRuns(dep.id).filter((r) => r.created_by?.['display_value'] === 'quarter');
    expect(quarter.length).toBeGreaterThanOrEqual(4);
    for (const r of quarter) expect(new Date(r.next_scheduled_start_time!).getUTCMinutes() % 15).toBe(0);
    // Unsupported rrule features are refused loudly (501), not silently ignored.
    const bad = await api.post('/deployments/', {
      name: 'monthly',
      flow_id: dep.flow_id,
      schedules: [{ schedule: { rrule: 'FREQ=MONTHLY;BYMONTHDAY=1' } }],
    });
    expect(bad.status).toBe(501);
  });

  it('POST /deployments/ upsert: 200, omitted fields kept, future auto-scheduled runs and schedules recreated; no schedules wipes them', async () => {
    const dep = await setupDeployment(api, {
      schedules: [every(600)],
      extra: { description: 'first', paused: false },
    });
    const before = futureRuns(dep.id).map((r) => r.id);
    expect(before.length).toBeGreaterThanOrEqual(3);
    const manual = (
      await api.post(`/deployments/${dep.id}/create_flow_run`, {
        state: {
          type: 'SCHEDULED',
          state_details: { scheduled_time: new Date(Date.now() + HOUR).toISOString() },
        },
      })
    ).body;
    const again = await api.post('/deployments/', {
      name: 'sweep',
      flow_id: dep.flow_id,
      work_pool_name: 'nest-pool',
      schedules: [every(600)],
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(dep.id);
    expect(again.body.description).toBe('first');
    expect(again.body.schedules[0].id).not.toBe(dep.schedules[0].id);
    const after = futureRuns(dep.id).map((r) => r.id);
    expect(after.length).toBeGreaterThanOrEqual(3);
    expect(after.filter((id) => before.includes(id))).toEqual([]);
    expect(server.flowRuns().map((r) => r.id)).toContain(manual.id); // not auto-scheduled: kept
    const wiped = await api.post('/deployments/', { name: 'sweep', flow_id: dep.flow_id });
    expect(wiped.body.schedules).toEqual([]);
    expect(futureRuns(dep.id)).toEqual([]);
    expect(
      (await api.post('/deployments/', { name: 'x', flow_id: dep.flow_id, work_pool_name: 'nope' })).status,
    ).toBe(404);
  });

  it('PATCH with identical slugged schedules keeps run ids; a changed schedule replaces only its runs; mixed slugs → 422', async () => {
    const dep = await setupDeployment(api, { schedules: [every(600, 'a'), every(900, 'b')] });
    const ids = () =>
      futureRuns(dep.id)
        .map((r) => r.id)
        .sort();
    const original = ids();
    const byName = await api.get('/deployments/name/daily-sweep/sweep');
    expect(byName.body.id).toBe(dep.id);
    expect(
      (
        await api.patch(`/deployments/${dep.id}`, {
          schedules: [every(600, 'a'), every(900, 'b')],
          description: 'patched',
        })
      ).status,
    ).toBe(204);
    expect(ids()).toEqual(original);
    const read = (await api.get(`/deployments/${dep.id}`)).body;
    expect(read.description).toBe('patched');
    expect(read.schedules.map((s: { id: string }) => s.id).sort()).toEqual(
      dep.schedules.map((s: { id: string }) => s.id).sort(),
    );
    const bRuns = futureRuns(dep.id)
      .filter((r) => r.created_by?.['display_value'] === 'b')
      .map((r) => r.id);
    const aRuns = futureRuns(dep.id)
      .filter((r) => r.created_by?.['display_value'] === 'a')
      .map((r) => r.id);
    await api.patch(`/deployments/${dep.id}`, { schedules: [every(600, 'a'), every(1200, 'b')] });
    const now = futureRuns(dep.id);
    expect(now.filter((r) => r.created_by?.['display_value'] === 'a').map((r) => r.id)).toEqual(aRuns);
    expect(now.filter((r) => r.created_by?.['display_value'] === 'b').some((r) => bRuns.includes(r.id))).toBe(
      false,
    );
    const mixed = await api.patch(`/deployments/${dep.id}`, { schedules: [{ schedule: { interval: 60 } }] });
    expect(mixed.status).toBe(422);
    expect(mixed.body.exception_message).toBe('Invalid request received.');
    server.schemaViolations.length = 0; // that 422 was the point of the test
    // Dropping a slug from the list deletes that schedule and its runs.
    await api.patch(`/deployments/${dep.id}`, { schedules: [every(600, 'a')] });
    expect(
      (await api.get(`/deployments/${dep.id}/schedules`)).body.map((s: { slug: string }) => s.slug),
    ).toEqual(['a']);
  });

  it('pause deletes auto-scheduled runs, resume recreates them; schedule sub-resource; filter; delete', async () => {
    const dep = await setupDeployment(api, { schedules: [every(600, 'a')] });
    expect((await api.post(`/deployments/${dep.id}/pause_deployment`)).status).toBe(200);
    expect(futureRuns(dep.id)).toEqual([]);
    server.runScheduler();
    expect(futureRuns(dep.id)).toEqual([]);
    await api.post(`/deployments/${dep.id}/resume_deployment`);
    expect(futureRuns(dep.id).length).toBeGreaterThanOrEqual(6);
    const added = await api.post(`/deployments/${dep.id}/schedules`, [
      { schedule: { cron: '0 * * * *', timezone: 'UTC' }, active: true, slug: 'hourly' },
    ]);
    expect(added.status).toBe(201);
    expect(
      (
        await api.post(`/deployments/${dep.id}/schedules`, [
          { schedule: { cron: '0 * * * *' }, slug: 'hourly' },
        ])
      ).status,
    ).toBe(409);
    const sid = added.body[0].id;
    expect((await api.patch(`/deployments/${dep.id}/schedules/${sid}`, { active: false })).status).toBe(204);
    server.runScheduler();
    expect(futureRuns(dep.id).some((r) => r.created_by?.['id'] === sid)).toBe(false);
    expect((await api.delete(`/deployments/${dep.id}/schedules/${sid}`)).status).toBe(204);
    const filtered = await api.post('/deployments/filter', {
      deployments: { id: { any_: [dep.id] } },
      limit: 10,
    });
    expect(filtered.body.map((d: { id: string }) => d.id)).toEqual([dep.id]);
    expect((await api.delete(`/deployments/${dep.id}`)).status).toBe(204);
    expect((await api.get(`/deployments/${dep.id}`)).status).toBe(404);
  });

  it('create_flow_run: parameters merged, idempotency_key returns the same run (200)', async () => {
    const dep = await setupDeployment(api, { extra: { parameters: { a: 1, b: 2 } } });
    const first = await api.post(`/deployments/${dep.id}/create_flow_run`, {
      parameters: { b: 3 },
      idempotency_key: 'k1',
      tags: ['manual'],
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      parameters: { a: 1, b: 3 },
      state_type: 'SCHEDULED',
      auto_scheduled: false,
      deployment_id: dep.id,
      work_pool_name: 'nest-pool',
      work_queue_name: 'default',
    });
    expect(first.body.tags).toEqual(expect.arrayContaining(['nestjs', 'manual']));
    expect(Math.abs(Date.parse(first.body.state.state_details.scheduled_time) - Date.now())).toBeLessThan(
      5000,
    );
    const second = await api.post(`/deployments/${dep.id}/create_flow_run`, {
      parameters: { b: 4 },
      idempotency_key: 'k1',
    });
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    const hook = server.createFlowRun(dep.id, {
      parameters: { c: 1 },
      scheduledTime: new Date(Date.now() + 60_000),
    });
    expect(hook).toMatchObject({ parameters: { a: 1, b: 2, c: 1 }, state_type: 'SCHEDULED' });
  });

  it('get_scheduled_flow_runs: SCHEDULED (incl. Late) before scheduled_before, queue names, limit, paused pool/queue, state null, marks READY', async () => {
    const dep = await setupDeployment(api);
    expect(dep.status).toBe('NOT_READY');
    const soon = server.createFlowRun(dep.id);
    const later = server.createFlowRun(dep.id, { scheduledTime: new Date(Date.now() + 10 * 60_000) });
    const poll = (body: Record<string, unknown>) =>
      api.post('/work_pools/nest-pool/get_scheduled_flow_runs', body);
    const res = await poll({
      scheduled_before: new Date(Date.now() + 10_000).toISOString(),
      work_queue_names: ['default'],
      limit: 10,
    });
    expect(res.status).toBe(200);
    expect(res.body.map((r: { flow_run: { id: string } }) => r.flow_run.id)).toEqual([soon.id]);
    expect(res.body[0].flow_run.state).toBeNull();
    expect(res.body[0].flow_run.state_type).toBe('SCHEDULED');
    expect((await api.get(`/deployments/${dep.id}`)).body.status).toBe('READY');
    expect((await poll({})).body).toHaveLength(2);
    expect((await poll({ limit: 1 })).body).toHaveLength(1);
    expect((await poll({ work_queue_names: ['nope'] })).status).toBe(404);
    // scheduled_after is inclusive, as Prefect's `next_scheduled_start_time >= :scheduled_after`.
    const after = (at: string) => poll({ scheduled_after: at });
    expect(
      (await after(later.next_scheduled_start_time!)).body.map(
        (r: { flow_run: { id: string } }) => r.flow_run.id,
      ),
    ).toEqual([later.id]);
    expect((await after(new Date(Date.now() + 11 * 60_000).toISOString())).body).toEqual([]);
    // Several queues: by queue priority, then time (a later run of the first queue comes before an earlier one).
    const other = await api.post('/work_pools/nest-pool/queues', { name: 'second' });
    expect(other.body.priority).toBeGreaterThan(1);
    const early = await api.post(`/deployments/${dep.id}/create_flow_run`, {
      work_queue_name: 'second',
      state: {
        type: 'SCHEDULED',
        name: 'Scheduled',
        state_details: { scheduled_time: new Date(Date.now() - 5_000).toISOString() },
      },
    });
    expect((await poll({})).body.map((r: { flow_run: { id: string } }) => r.flow_run.id)).toEqual([
      soon.id,
      later.id,
      early.body.id,
    ]);
    await api.delete(`/flow_runs/${early.body.id}`);
    // A claimed run is no longer returned.
    await api.post(`/flow_runs/${soon.id}/set_state`, pending());
    expect((await poll({})).body.map((r: { flow_run: { id: string } }) => r.flow_run.id)).toEqual([later.id]);
    // Late: overdue by > 15 s, still polled.
    const late = server.createFlowRun(dep.id, { scheduledTime: new Date(Date.now() - 20_000) });
    server.runScheduler();
    expect(server.flowRuns().find((r) => r.id === late.id)!.state_name).toBe('Late');
    expect(
      (await poll({ scheduled_before: new Date().toISOString() })).body.map(
        (r: { flow_run: { id: string } }) => r.flow_run.id,
      ),
    ).toEqual([late.id]);
    // The serve-style poll by deployment ids sees the same SCHEDULED runs.
    const served = await api.post('/deployments/get_scheduled_flow_runs', {
      deployment_ids: [dep.id],
      scheduled_before: new Date().toISOString(),
    });
    expect(served.body.map((r: { id: string }) => r.id)).toEqual([late.id]);
    await api.patch('/work_pools/nest-pool/queues/default', { is_paused: true });
    expect((await poll({})).body).toEqual([]);
    await api.patch('/work_pools/nest-pool/queues/default', { is_paused: false });
    await api.patch('/work_pools/nest-pool', { is_paused: true });
    expect((await poll({})).body).toEqual([]);
  });
});
