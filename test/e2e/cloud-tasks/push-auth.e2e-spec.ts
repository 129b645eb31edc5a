import {
  startCloudTasksEmulator,
  type CloudTasksEmulator,
} from '../../support/cloud-tasks-emulator/index.js';
import { bootCloudApp, SERVICE_ACCOUNT, type CloudApp } from './cloud-tasks.fixture.js';

// The push endpoint as an attacker or a misconfigured queue would hit it: only a valid OIDC token of the
// configured service account, for the configured audience, runs anything.
describe('Cloud Tasks push endpoint: OIDC verification', () => {
  let emulator: CloudTasksEmulator;
  let app: CloudApp;
  let audience: string;
  const body = JSON.stringify({
    workflow: 'send-email',
    payload: { to: 'eve@example.com' },
    enqueuedAt: new Date().toISOString(),
  });

  beforeAll(async () => {
    emulator = await startCloudTasksEmulator();
    app = await bootCloudApp(emulator, 'auth');
    audience = `${app.publicUrl}/hybrid-scheduler/cloud-tasks`;
  });

  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  beforeEach(() => {
    app.workflows.calls.length = 0;
  });

  const push = (token: string | undefined, workflow = 'send-email') =>
    fetch(`${audience}/${workflow}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-cloudtasks-taskname': 'manual-1',
        'x-cloudtasks-taskretrycount': '0',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body,
    });

  it('runs the method for a valid token (the control case)', async () => {
    const response = await push(emulator.signToken(SERVICE_ACCOUNT, audience));
    expect(response.status).toBe(200);
    expect(app.workflows.callsOf('send-email')).toHaveLength(1);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const cases: Array<[string, () => string | undefined]> = [
    ['no token', () => undefined],
    ['a bad signature', () => emulator.signToken(SERVICE_ACCOUNT, audience, {}, { key: 'foreign' })],
    [
      'a wrong audience',
      () => emulator.signToken(SERVICE_ACCOUNT, 'https://someone-else.example/hybrid-scheduler/cloud-tasks'),
    ],
    [
      'an expired token',
      () => emulator.signToken(SERVICE_ACCOUNT, audience, { iat: now() - 7200, exp: now() - 3600 }),
    ],
    [
      'another service account',
      () => emulator.signToken('intruder@other-project.iam.gserviceaccount.com', audience),
    ],
    ['an unverified email', () => emulator.signToken(SERVICE_ACCOUNT, audience, { email_verified: false })],
    ['a wrong issuer', () => emulator.signToken(SERVICE_ACCOUNT, audience, { iss: 'https://evil.example' })],
    ['garbage', () => 'not.a.jwt'],
  ];

  it.each(cases)('answers 401 to %s and never runs the method', async (_name, token) => {
    const response = await push(token());
    expect(response.status).toBe(401);
    expect(app.workflows.calls).toHaveLength(0);
  });

  it('answers 401 before revealing whether a workflow exists', async () => {
    expect((await push(undefined, 'no-such-workflow')).status).toBe(401);
  });

  it('answers 404 for an unknown workflow with a valid token', async () => {
    const response = await push(emulator.signToken(SERVICE_ACCOUNT, audience), 'no-such-workflow');
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('no-such-workflow');
    expect(app.workflows.calls).toHaveLength(0);
  });
});
