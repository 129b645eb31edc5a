import { InvalidEnqueueOptionsError, PayloadValidationError } from 'nestjs-hybrid-scheduler';
import {
  startCloudTasksEmulator,
  type CloudTasksEmulator,
} from '../../support/cloud-tasks-emulator/index.js';
import {
  bootCloudApp,
  emulatorClient,
  LOCATION,
  PROJECT,
  sleep,
  type CloudApp,
} from './cloud-tasks.fixture.js';

// Enqueue with the real client → the emulator pushes over HTTP → the app verifies the OIDC token and runs the method.
describe('Cloud Tasks provider: workflows end to end', () => {
  let emulator: CloudTasksEmulator;
  let app: CloudApp;
  const queue = 'workflows';

  beforeAll(async () => {
    // Backoff scaled 100x down: the 1 s minBackoff that ensureQueue derives becomes 10 ms.
    emulator = await startCloudTasksEmulator({ timeScale: 0.01 });
    app = await bootCloudApp(emulator, queue);
  });

  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  beforeEach(() => {
    app.workflows.calls.length = 0;
    app.workflows.flakyFailures = 2;
  });

  it('enqueues an HTTP task that runs the method with its payload, attempt 1 and the task name as job key', async () => {
    const result = await app.scheduler.enqueueWorkflow('send-email', { to: 'ada@example.com' });
    expect(result).toMatchObject({ provider: 'cloud-tasks', workflow: 'send-email', created: true });
    await emulator.awaitIdle();
    const [call] = app.workflows.callsOf('send-email');
    expect(call.payload).toEqual({ to: 'ada@example.com' });
    expect(call.ctx).toMatchObject({
      attempt: 1,
      workflow: 'send-email',
      provider: 'cloud-tasks',
      maxAttempts: 3,
    });
    expect(result.id).toBe(`queue:send-email:${call.ctx.jobKey}`);
    const dispatch = emulator.dispatches().find((d) => d.taskId === call.ctx.jobKey)!;
    expect(dispatch.status).toBe(200);
    expect(dispatch.url).toBe(`${app.publicUrl}/hybrid-scheduler/cloud-tasks/send-email`);
    expect(dispatch.headers['content-type']).toBe('application/json');
    expect(dispatch.headers.authorization).toMatch(/^Bearer /);
  });

  it('retries a failing method with the queue backoff until it succeeds', async () => {
    await app.scheduler.enqueueWorkflow('flaky', { n: 1 });
    await emulator.awaitIdle();
    expect(app.workflows.callsOf('flaky').map((c) => c.ctx.attempt)).toEqual([1, 2, 3]);
    const log = emulator.dispatches().filter((d) => d.body.includes('"flaky"'));
    expect(log.map((d) => d.status)).toEqual([500, 500, 200]);
    expect(log.map((d) => d.nextRetryInMs)).toEqual([10, 20, undefined]); // 1 s, 2 s scaled
    expect(
      app.events.filter((e) => e.jobId === 'queue:flaky' && e.type === 'retrying').map((e) => e.attempt),
    ).toEqual([1, 2]);
    expect(await app.scheduler.deadLetters('flaky')).toEqual([]);
  });

  it('dead-letters a job whose attempts are used up and answers 2xx so Cloud Tasks stops', async () => {
    const { id } = await app.scheduler.enqueueWorkflow('doomed', { order: 7 });
    await emulator.awaitIdle();
    expect(app.workflows.callsOf('doomed')).toHaveLength(2);
    const log = emulator.dispatches().filter((d) => d.body.includes('"doomed"'));
    expect(log.map((d) => [d.status, d.outcome])).toEqual([
      [500, 'retry'],
      [200, 'done'],
    ]);
    const [letter] = await app.scheduler.deadLetters('doomed');
    expect(letter).toMatchObject({
      id,
      workflow: 'doomed',
      payload: { order: 7 },
      error: 'always fails',
      attempts: 2,
    });
    expect(app.events.some((e) => e.jobId === 'queue:doomed' && e.type === 'dead-lettered')).toBe(true);

    // A retried dead letter is a new task with its attempts reset.
    await app.scheduler.retryDeadLetter(id);
    await emulator.awaitIdle();
    expect(app.workflows.callsOf('doomed').map((c) => c.ctx.attempt)).toEqual([1, 2, 1, 2]);
    expect(await app.scheduler.deadLetters('doomed')).toHaveLength(1);
    expect(await app.scheduler.purgeDeadLetters('doomed')).toBe(1);
  });

  it('does not run a job with a future runAt early', async () => {
    const runAt = new Date(Date.now() + 800);
    await app.scheduler.enqueueWorkflow('send-email', { later: true }, { runAt });
    await sleep(400);
    expect(app.workflows.callsOf('send-email')).toHaveLength(0);
    await emulator.awaitIdle(5000);
    await sleep(600);
    const [call] = app.workflows.callsOf('send-email');
    expect(call.at).toBeGreaterThanOrEqual(runAt.getTime());
    expect(call.ctx.scheduledAt.getTime()).toBe(runAt.getTime());
  });

  it("refuses a delay beyond Cloud Tasks' 30 days as an option error naming it, before anything is created", async () => {
    const calls = emulator.createTaskCalls();
    const tooFar = 31 * 86_400_000;
    await expect(app.scheduler.enqueueWorkflow('send-email', {}, { delayMs: tooFar })).rejects.toThrow(
      InvalidEnqueueOptionsError,
    );
    await expect(
      app.scheduler.enqueueWorkflow('send-email', {}, { runAt: new Date(Date.now() + tooFar) }),
    ).rejects.toThrow(/option "runAt" = .* is invalid: at most 30 days ahead/);
    expect(emulator.createTaskCalls()).toBe(calls);
  });

  it('runs the same idempotency key once, even when enqueued again after it ran', async () => {
    const first = await app.scheduler.enqueueWorkflow('send-email', { n: 1 }, { idempotencyKey: 'order-42' });
    const second = await app.scheduler.enqueueWorkflow(
      'send-email',
      { n: 2 },
      { idempotencyKey: 'order-42' },
    );
    expect([first.created, second.created]).toEqual([true, false]);
    expect(second.id).toBe(first.id);
    await emulator.awaitIdle();
    const third = await app.scheduler.enqueueWorkflow('send-email', { n: 3 }, { idempotencyKey: 'order-42' });
    expect(third.created).toBe(false); // the name is tombstoned after the run
    await emulator.awaitIdle();
    expect(app.workflows.callsOf('send-email').map((c) => c.payload)).toEqual([{ n: 1 }]);
  });

  it('retries transient CreateTask errors and still creates exactly one task', async () => {
    emulator.failNextCreates(2);
    const before = emulator.createTaskCalls();
    const result = await app.scheduler.enqueueWorkflow('send-email', { retried: true });
    expect(result.created).toBe(true);
    expect(emulator.createTaskCalls() - before).toBe(3);
    await emulator.awaitIdle();
    expect(app.workflows.callsOf('send-email')).toHaveLength(1);
  });

  it('refuses a payload over 1 MB at enqueue, naming the workflow and the limit', async () => {
    const before = emulator.createTaskCalls();
    const big = { blob: 'x'.repeat(1024 * 1024) };
    const attempt = app.scheduler.enqueueWorkflow('send-email', big);
    await expect(attempt).rejects.toBeInstanceOf(PayloadValidationError);
    await expect(app.scheduler.enqueueWorkflow('send-email', big)).rejects.toThrow(
      /"send-email".*\n.*1048576 bytes per task/,
    );
    expect(emulator.createTaskCalls()).toBe(before);
  });

  it('dead-letters a pushed body that fails the workflow DTO instead of retrying it', async () => {
    // A task created outside enqueueWorkflow (e.g. by an older deploy): the DTO only runs at the endpoint.
    const client = emulatorClient(emulator);
    try {
      const parent = client.queuePath(PROJECT, LOCATION, queue);
      const body = Buffer.from(
        JSON.stringify({
          workflow: 'invoice',
          payload: { invoiceId: 5 },
          enqueuedAt: new Date().toISOString(),
        }),
      );
      await client.createTask({
        parent,
        task: {
          httpRequest: {
            httpMethod: 'POST',
            url: `${app.publicUrl}/hybrid-scheduler/cloud-tasks/invoice`,
            headers: { 'Content-Type': 'application/json' },
            body,
            oidcToken: {
              serviceAccountEmail: app.options.serviceAccountEmail!,
              audience: `${app.publicUrl}/hybrid-scheduler/cloud-tasks`,
            },
          },
        },
      });
      await emulator.awaitIdle();
    } finally {
      await client.close();
    }
    expect(app.workflows.callsOf('invoice')).toHaveLength(0);
    expect(
      emulator
        .dispatches()
        .filter((d) => d.url.endsWith('/invoice'))
        .map((d) => d.status),
    ).toEqual([200]);
    const [letter] = await app.scheduler.deadLetters('invoice');
    expect(letter.error).toMatch(/invoiceId.*string/);
    expect(letter.attempts).toBe(1);
  });
});
