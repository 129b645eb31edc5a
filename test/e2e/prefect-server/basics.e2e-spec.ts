import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  allRoutes,
  schemaValidator,
  startPrefectTestServer,
  type PrefectTestServer,
} from '../../support/prefect-server/index.js';
import { client, type Client } from './client.js';

describe('Prefect test server: basics, auth, validation', () => {
  let server: PrefectTestServer;
  let api: Client;
  beforeAll(async () => {
    server = await startPrefectTestServer();
    api = client(server);
  });
  afterAll(async () => {
    expect(api.responseIssues).toEqual([]);
    await server.stop();
  });

  it('implements only documented operations (every route key is a path+method of openapi.json)', () => {
    const doc = schemaValidator().doc;
    const undocumented = Object.keys(allRoutes).filter((key) => {
      const [method, template] = key.split(' ') as [string, string];
      return !doc.paths[template]?.[method.toLowerCase()];
    });
    expect(undocumented).toEqual([]);
  });

  it('answers health, version and csrf-token like Prefect', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/api`);
    expect(await api.get('/health')).toEqual({ status: 200, body: true });
    expect(await api.get('/version')).toEqual({ status: 200, body: '0.8.4' });
    expect((await api.get('/admin/version')).body).toMatch(/^3\.8\.\d+$/);
    const csrf = await api.get('/csrf-token?client=abc');
    expect(csrf.status).toBe(422);
    expect(csrf.body.detail).toBe('CSRF protection is disabled.');
    expect((await api.get('/health', { 'x-prefect-api-version': '0.7.0' })).status).toBe(400);
  });

  it('creates or reads flows (201 then 200)', async () => {
    const a = await api.post('/flows/', { name: 'my-flow', tags: ['x'] });
    const b = await api.post('/flows/', { name: 'my-flow' });
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(b.body.id).toBe(a.body.id);
    expect((await api.get(`/flows/${a.body.id}`)).body.name).toBe('my-flow');
    expect((await api.get('/flows/name/my-flow')).body.id).toBe(a.body.id);
    expect((await api.get('/flows/name/nope')).status).toBe(404);
    expect(server.flows().map((f) => f.name)).toContain('my-flow');
  });

  it("answers 422 in Prefect's shape for an unknown body field, and records the violation", async () => {
    const before = server.schemaViolations.length;
    const res = await api.post('/flows/', { name: 'f', foo: 1 });
    expect(res.status).toBe(422);
    expect(res.body.exception_message).toBe('Invalid request received.');
    expect(res.body.request_body).toEqual({ name: 'f', foo: 1 });
    expect(res.body.exception_detail).toEqual([
      expect.objectContaining({ type: 'extra_forbidden', loc: ['body', 'foo'] }),
    ]);
    expect(server.schemaViolations.length).toBe(before + 1);
    expect(server.schemaViolations.at(-1)).toMatchObject({ method: 'POST', path: '/flows/' });
    // Name pattern, bad state type, bad uuid in the path, catchup on a schedule, worker_id on a log.
    expect((await api.post('/flows/', { name: 'a/b' })).status).toBe(422);
    expect((await api.get('/flow_runs/not-a-uuid')).status).toBe(422);
    expect(
      (
        await api.post('/logs/', [
          { name: 'n', level: 20, message: 'm', timestamp: new Date().toISOString(), worker_id: null },
        ])
      ).status,
    ).toBe(422);
    expect(
      (
        await api.post('/flow_runs/00000000-0000-4000-8000-000000000000/set_state', {
          state: { type: 'DONE' },
        })
      ).status,
    ).toBe(422);
    expect(server.schemaViolations.length).toBe(before + 5);
    expect(server.requests.at(-1)).toMatchObject({ method: 'POST', status: 422 });
  });

  it('manages work pools: 201, 409 duplicate, 403 reserved, 404 unknown, PATCH, heartbeat', async () => {
    const created = await api.post('/work_pools/', {
      name: 'nest-pool',
      type: 'nestjs',
      description: 'NestJS worker pool',
    });
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('NOT_READY');
    expect((await api.post('/work_pools/', { name: 'nest-pool', type: 'nestjs' })).status).toBe(409);
    expect((await api.post('/work_pools/', { name: 'PrefectPool' })).status).toBe(403);
    expect((await api.get('/work_pools/missing')).status).toBe(404);
    const queue = await api.get('/work_pools/nest-pool/queues/default');
    expect(queue.body.id).toBe(created.body.default_queue_id);
    expect((await api.post('/work_pools/nest-pool/queues/', { name: 'critical' })).status).toBe(201);
    expect(
      (
        await api.post('/work_pools/nest-pool/workers/heartbeat', {
          name: 'w1',
          heartbeat_interval_seconds: 30,
        })
      ).status,
    ).toBe(204);
    expect((await api.get('/work_pools/nest-pool')).body.status).toBe('READY');
    expect(server.workers('nest-pool')).toEqual([
      expect.objectContaining({ name: 'w1', heartbeat_interval_seconds: 30, status: 'ONLINE' }),
    ]);
    expect((await api.patch('/work_pools/nest-pool', { is_paused: true })).status).toBe(204);
    expect((await api.get('/work_pools/nest-pool')).body).toMatchObject({
      is_paused: true,
      status: 'PAUSED',
    });
    expect((await api.post('/work_pools/missing/workers/heartbeat', { name: 'w1' })).status).toBe(404);
  });

  it('stores logs (bare array, 201) and filters them', async () => {
    const runId = '00000000-0000-4000-8000-000000000001';
    const ts = new Date().toISOString();
    const res = await api.post('/logs/', [
      { name: 'nestjs.flow_runs', level: 20, message: 'hello\u0000', timestamp: ts, flow_run_id: runId },
      { name: 'nestjs.flow_runs', level: 40, message: 'boom', timestamp: ts, flow_run_id: runId },
    ]);
    expect(res.status).toBe(201);
    const filtered = await api.post('/logs/filter', {
      logs: { flow_run_id: { any_: [runId] }, level: { ge_: 30 } },
    });
    expect(filtered.body.map((l: { message: string }) => l.message)).toEqual(['boom']);
    expect(server.logs(runId).map((l) => l.message)).toEqual(['hello', 'boom']);
  });
});

describe('Prefect test server: auth', () => {
  it('requires the Bearer api key everywhere', async () => {
    const server = await startPrefectTestServer({ auth: { apiKey: 'pnu_secret' } });
    try {
      const anon = client(server);
      const authed = client(server, { authorization: 'Bearer pnu_secret' });
      const denied = await anon.get('/health');
      expect(denied).toEqual({ status: 401, body: { exception_message: 'Unauthorized' } });
      expect(
        (await client(server, { authorization: 'Bearer wrong' }).post('/flows/', { name: 'x' })).status,
      ).toBe(401);
      expect((await authed.get('/health')).status).toBe(200);
      expect((await authed.post('/flows/', { name: 'x' })).status).toBe(201);
    } finally {
      await server.stop();
    }
  });

  it('requires Basic user:pass except for /health and /ready', async () => {
    const server = await startPrefectTestServer({ auth: { basic: 'admin:pass' } });
    try {
      const anon = client(server);
      const good = client(server, { authorization: `Basic ${Buffer.from('admin:pass').toString('base64')}` });
      const bad = client(server, { authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}` });
      expect((await anon.get('/health')).status).toBe(200);
      expect((await anon.get('/ready')).status).toBe(200);
      expect(await anon.get('/version')).toEqual({
        status: 401,
        body: { exception_message: 'Unauthorized' },
      });
      expect((await bad.post('/flows/', { name: 'x' })).status).toBe(401);
      expect((await good.post('/flows/', { name: 'x' })).status).toBe(201);
    } finally {
      await server.stop();
    }
  });

  it('can listen on a fixed port and stops cleanly', async () => {
    const first = await startPrefectTestServer();
    const port = first.port;
    await first.stop();
    const second = await startPrefectTestServer({ port });
    expect(second.port).toBe(port);
    expect((await fetch(`${second.url}/health`)).status).toBe(200);
    await second.stop();
  });
});
