import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudTasksClient } from '@google-cloud/tasks';
import { grpc } from 'google-gax';
import { OAuth2Client } from 'google-auth-library';
import {
  startCloudTasksEmulator,
  type CloudTasksEmulator,
} from '../../support/cloud-tasks-emulator/index.js';

// The emulator itself, driven by the official client: what the provider's e2e tests rely on.
interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

describe('Cloud Tasks emulator (real @google-cloud/tasks client)', () => {
  let emulator: CloudTasksEmulator;
  let client: CloudTasksClient;
  let receiver: Server;
  let url: string;
  const received: Received[] = [];
  let answer: (count: number) => number = () => 200;
  const queue = 'projects/p/locations/l/queues/q';
  const sa = 'tasks@p.iam.gserviceaccount.com';

  beforeAll(async () => {
    emulator = await startCloudTasksEmulator({ timeScale: 0.01 });
    client = new CloudTasksClient({
      apiEndpoint: emulator.host,
      port: emulator.port,
      sslCreds: grpc.credentials.createInsecure(),
      universeDomain: 'googleapis.com',
    });
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body, at: Date.now() });
        res.writeHead(answer(received.length)).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/push`;
  });

  beforeEach(async () => {
    emulator.reset();
    received.length = 0;
    answer = () => 200;
    await client.createQueue({ parent: 'projects/p/locations/l', queue: { name: queue } });
  });

  afterAll(async () => {
    await client.close();
    await emulator.stop();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });

  const task = (id?: string, extra: Record<string, unknown> = {}) => ({
    parent: queue,
    task: {
      ...(id ? { name: `${queue}/tasks/${id}` } : {}),
      httpRequest: {
        httpMethod: 'POST' as const,
        url,
        headers: { 'Content-Type': 'application/json' },
        body: Buffer.from('{"a":1}'),
        oidcToken: { serviceAccountEmail: sa, audience: 'https://app.example' },
      },
      ...extra,
    },
  });

  it('dispatches a task with the Cloud Tasks headers and an OIDC token that google-auth-library accepts', async () => {
    const [created] = await client.createTask(task('t1'));
    expect(created.name).toBe(`${queue}/tasks/t1`);
    await emulator.awaitIdle();
    expect(received).toHaveLength(1);
    const { headers, body } = received[0];
    expect(body).toBe('{"a":1}');
    expect(headers['content-type']).toBe('application/json');
    expect(headers['user-agent']).toBe('Google-Cloud-Tasks');
    expect(headers['x-cloudtasks-queuename']).toBe('q');
    expect(headers['x-cloudtasks-taskname']).toBe('t1');
    expect(headers['x-cloudtasks-taskretrycount']).toBe('0');
    expect(headers['x-cloudtasks-tasketa']).toMatch(/^\d+\.\d{6}$/);
    const verifier = new OAuth2Client({
      endpoints: { oauth2FederatedSignonPemCertsUrl: emulator.certsUrl },
      issuers: [emulator.issuer],
    });
    const ticket = await verifier.verifyIdToken({
      idToken: String(headers.authorization).slice(7),
      audience: 'https://app.example',
    });
    expect(ticket.getPayload()).toMatchObject({ email: sa, email_verified: true, iss: emulator.issuer });
    await expect(
      verifier.verifyIdToken({ idToken: String(headers.authorization).slice(7), audience: 'https://other' }),
    ).rejects.toThrow(/Wrong recipient/);
  });

  it('answers ALREADY_EXISTS for a live name and for a tombstoned one, NOT_FOUND for a missing queue', async () => {
    await client.pauseQueue({ name: queue });
    await client.createTask(task('dup'));
    await expect(client.createTask(task('dup'))).rejects.toMatchObject({ code: grpc.status.ALREADY_EXISTS });
    await client.deleteTask({ name: `${queue}/tasks/dup` });
    await expect(client.createTask(task('dup'))).rejects.toMatchObject({
      code: grpc.status.ALREADY_EXISTS,
      details: expect.stringContaining('existed too recently'),
    });
    await expect(client.getTask({ name: `${queue}/tasks/dup` })).rejects.toMatchObject({
      code: grpc.status.NOT_FOUND,
    });
    await expect(
      client.createTask({ ...task('x'), parent: 'projects/p/locations/l/queues/nope' }),
    ).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(client.createTask(task('bad.id'))).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
    });
  });

  it('retries non-2xx answers with the queue backoff (doubling, then linear, capped) and stops at maxAttempts', async () => {
    // min 1s, max 6s, 1 doubling, scaled by 0.01: 1s, 2s (doubled once), then +2s linear: 4s, 6s (the cap).
    await client.updateQueue({
      queue: {
        name: queue,
        retryConfig: {
          maxAttempts: 5,
          minBackoff: { seconds: 1 },
          maxBackoff: { seconds: 6 },
          maxDoublings: 1,
        },
      },
    });
    answer = () => 503;
    await client.createTask(task('retry'));
    await emulator.awaitIdle();
    const log = emulator.dispatches();
    expect(log.map((d) => d.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(log.map((d) => d.nextRetryInMs)).toEqual([10, 20, 40, 60, undefined]);
    expect(log.at(-1)!.outcome).toBe('gave-up');
    expect(received.map((r) => r.headers['x-cloudtasks-taskretrycount'])).toEqual(['0', '1', '2', '3', '4']);
    expect(received[1].headers['x-cloudtasks-taskpreviousresponse']).toBe('503');
    // 5xx answers do not count as executions.
    expect(received.map((r) => r.headers['x-cloudtasks-taskexecutioncount'])).toEqual([
      '0',
      '0',
      '0',
      '0',
      '0',
    ]);
    expect(emulator.taskIds()).toEqual([]);
  });

  it('holds a task until its scheduleTime and lists, gets and deletes tasks', async () => {
    const due = Date.now() + 400;
    await client.createTask(
      task('later', { scheduleTime: { seconds: Math.floor(due / 1000), nanos: (due % 1000) * 1e6 } }),
    );
    const [tasks] = await client.listTasks({ parent: queue });
    expect(tasks.map((t) => t.name)).toEqual([`${queue}/tasks/later`]);
    const [got] = await client.getTask({ name: `${queue}/tasks/later` });
    expect(Number(got.scheduleTime!.seconds)).toBe(Math.floor(due / 1000));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(received).toHaveLength(1);
    expect(received[0].at).toBeGreaterThanOrEqual(due - 1);
  });

  it('fails an attempt that exceeds the dispatch deadline and retries it', async () => {
    const slow = await startCloudTasksEmulator({ timeScale: 0.001, deadlineScale: 0.01 });
    const slowClient = new CloudTasksClient({
      apiEndpoint: slow.host,
      port: slow.port,
      sslCreds: grpc.credentials.createInsecure(),
      universeDomain: 'googleapis.com',
    });
    const hang = createServer(() => undefined); // never answers
    try {
      slow.createQueue(queue, { maxAttempts: 2 });
      await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
      const hangUrl = `http://127.0.0.1:${(hang.address() as AddressInfo).port}/`;
      await slowClient.createTask({
        parent: queue,
        task: { dispatchDeadline: { seconds: 15 }, httpRequest: { url: hangUrl, httpMethod: 'POST' } },
      });
      await slow.awaitIdle(5000);
      expect(slow.dispatches().map((d) => [d.status, d.outcome])).toEqual([
        [null, 'retry'],
        [null, 'gave-up'],
      ]);
      expect(slow.dispatches()[0].error).toMatch(/DEADLINE_EXCEEDED after 150ms/);
    } finally {
      hang.closeAllConnections();
      hang.close();
      await slowClient.close();
      await slow.stop();
    }
  });

  it('fails injected CreateTask calls with UNAVAILABLE before storing anything', async () => {
    emulator.failNextCreates(1);
    await expect(client.createTask(task('flaky'))).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    await client.createTask(task('flaky'));
    expect(emulator.createTaskCalls()).toBe(2);
  });
});
