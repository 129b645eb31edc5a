import {
  InvalidTaskOptionsError,
  PayloadValidationError,
  WorkflowNotFoundError,
  type HybridSchedulerModuleOptions,
  type JobEvent,
} from 'nestjs-hybrid-scheduler';
import { bootApp, sleep, waitFor, type BootedApp } from '../../support/nest-app.js';
import { startRabbitMq, type PrivateRabbitMq } from '../../support/rabbitmq.js';
import { startRedis, type PrivateRedis } from '../../support/redis.js';
import { queueTestModule, TestWorkflows } from './queue-test.workflows.js';

/**
 * The same behaviour, asserted against the embedded memory provider, BullMQ on a private Redis and RabbitMQ on
 * a private node.
 */
describe.each(['memory', 'bullmq', 'rabbitmq'] as const)(
  'queue tier on %s: enqueue, retry, dead letters, schedules',
  (provider) => {
    let redis: PrivateRedis | undefined;
    let rabbit: PrivateRabbitMq | undefined;
    let booted: BootedApp;
    let workflows: TestWorkflows;
    const events = (type: JobEvent['type'], jobId = 'queue:flaky') => booted.eventsOf(jobId, type);

    beforeAll(async () => {
      const options: HybridSchedulerModuleOptions = { fallback: 'fail' };
      if (provider === 'bullmq') {
        redis = await startRedis();
        options.queue = { bullmq: { connection: redis.url, prefix: 'wf-test' } };
      }
      if (provider === 'rabbitmq') {
        rabbit = await startRabbitMq();
        options.queue = { rabbitmq: { url: rabbit.url, prefix: 'wf-test' } };
      }
      booted = await bootApp(queueTestModule(options));
      workflows = booted.app.get(TestWorkflows);
    });

    afterAll(async () => {
      await booted?.close();
      await redis?.stop();
      await rabbit?.stop();
    });

    it('runs an enqueued job once with its payload and a WorkflowContext', async () => {
      const result = await booted.scheduler.enqueueWorkflow('echo', {
        repos: ['a', 'b'],
        when: new Date('2026-01-02T03:04:05Z'),
      });
      expect(result).toMatchObject({ provider, workflow: 'echo', created: true });
      expect(result.id).toMatch(/^queue:echo:.+/);
      await waitFor(() => workflows.runsOf('echo').length === 1, 5000, 'the echo job');
      const [run] = workflows.runsOf('echo');
      // Payloads travel as JSON on every provider: a Date arrives as its ISO string.
      expect(run).toMatchObject({
        payload: { repos: ['a', 'b'], when: '2026-01-02T03:04:05.000Z' },
        attempt: 1,
        maxAttempts: 3,
        provider,
        runId: result.id,
      });
      expect(result.id).toBe(`queue:echo:${run.jobKey}`);
      await sleep(200);
      expect(workflows.runsOf('echo')).toHaveLength(1);
    });

    it('retries with exponential backoff, then dead-letters with payload, error and attempts', async () => {
      workflows.healed = false;
      const { id } = await booted.scheduler.enqueueWorkflow('flaky', { id: 'order-1' });
      await waitFor(() => events('dead-lettered').length === 1, 8000, 'the dead letter');
      const runs = workflows.runsOf('flaky');
      expect(runs.map((r) => r.attempt)).toEqual([1, 2, 3]);
      // Backoff 150ms then 300ms: no retry may start before its delay.
      expect(runs[1].at - runs[0].at).toBeGreaterThanOrEqual(140);
      expect(runs[2].at - runs[1].at).toBeGreaterThanOrEqual(290);
      expect(events('retrying').map((e) => e.attempt)).toEqual([1, 2]);
      expect(events('failed')).toHaveLength(3);

      const letters = await booted.scheduler.deadLetters('flaky');
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({
        id,
        workflow: 'flaky',
        payload: { id: 'order-1' },
        attempts: 3,
        error: 'downstream unavailable for order-1',
      });
      expect(letters[0].stack).toContain('downstream unavailable');
      expect(letters[0].failedAt.getTime()).toBeGreaterThanOrEqual(letters[0].enqueuedAt.getTime());
      const [info] = (await booted.scheduler.listJobs()).filter((j) => j.id === 'queue:flaky');
      expect(info.details).toMatchObject({ provider, dead: 1, waiting: 0, active: 0 });
    });

    it('retries a dead letter with attempts reset, and purges the rest', async () => {
      const [letter] = await booted.scheduler.deadLetters('flaky');
      workflows.healed = true;
      const before = workflows.runsOf('flaky').length;
      const retried = await booted.scheduler.retryDeadLetter(letter.id);
      expect(retried.workflow).toBe('flaky');
      await waitFor(() => events('succeeded').length === 1, 5000, 'the retried job to succeed');
      const rerun = workflows.runsOf('flaky').slice(before);
      expect(rerun).toHaveLength(1);
      expect(rerun[0]).toMatchObject({ attempt: 1, payload: { id: 'order-1' } });
      expect(await booted.scheduler.deadLetters('flaky')).toEqual([]);

      workflows.healed = false;
      await booted.scheduler.enqueueWorkflow('flaky', { id: 'order-2' });
      await booted.scheduler.enqueueWorkflow('flaky', { id: 'order-3' });
      await waitFor(
        async () => (await booted.scheduler.deadLetters('flaky')).length === 2,
        8000,
        'two more dead letters',
      );
      expect(await booted.scheduler.purgeDeadLetters('flaky')).toBe(2);
      expect(await booted.scheduler.deadLetters('flaky')).toEqual([]);
    });

    it('does not run delayed and runAt jobs early', async () => {
      const start = Date.now();
      await booted.scheduler.enqueueWorkflow('echo', { kind: 'delayed' }, { delayMs: 600 });
      await booted.scheduler.enqueueWorkflow('echo', { kind: 'runAt' }, { runAt: new Date(start + 900) });
      const kinds = () => workflows.runsOf('echo').filter((r) => (r.payload as { kind?: string }).kind);
      await waitFor(() => kinds().length === 2, 5000, 'both delayed jobs');
      const at = Object.fromEntries(kinds().map((r) => [(r.payload as { kind: string }).kind, r.at - start]));
      expect(at.delayed).toBeGreaterThanOrEqual(595);
      expect(at.runAt).toBeGreaterThanOrEqual(895);
      expect(at.runAt).toBeLessThan(3000);
    });

    it('runs an idempotent enqueue once', async () => {
      const first = await booted.scheduler.enqueueWorkflow(
        'echo',
        { n: 1 },
        { idempotencyKey: 'invoice-42', delayMs: 300 },
      );
      const second = await booted.scheduler.enqueueWorkflow(
        'echo',
        { n: 2 },
        { idempotencyKey: 'invoice-42' },
      );
      expect(first.created).toBe(true);
      expect(second).toMatchObject({ created: false, id: first.id });
      await waitFor(
        () => workflows.runsOf('echo').some((r) => r.runId === first.id),
        5000,
        'the idempotent job',
      );
      await sleep(300);
      expect(
        workflows.runsOf('echo').filter((r) => (r.payload as { n?: number }).n !== undefined),
      ).toHaveLength(1);
    });

    it('rejects invalid payloads and enqueues nothing', async () => {
      const before = workflows.runsOf('validated').length;
      const bad = booted.scheduler.enqueueWorkflow('validated', { orderId: 'x', quantity: 0 });
      await expect(bad).rejects.toThrow(PayloadValidationError);
      await expect(
        booted.scheduler.enqueueWorkflow('validated', { orderId: 'x', quantity: 0 }),
      ).rejects.toThrow(/orderId: .*quantity: /s);
      const cyclic: Record<string, unknown> = { a: 1 };
      cyclic.self = cyclic;
      await expect(booted.scheduler.enqueueWorkflow('echo', cyclic)).rejects.toThrow(
        /nothing was enqueued.*payload\.self refers back/s,
      );
      await expect(booted.scheduler.enqueueWorkflow('echo', { big: 10n })).rejects.toThrow(
        /payload\.big is a BigInt/,
      );
      await expect(booted.scheduler.enqueueWorkflow('echo', { fn: () => 1 })).rejects.toThrow(
        /payload\.fn is a function/,
      );
      await expect(booted.scheduler.enqueueWorkflow('nope', {})).rejects.toThrow(WorkflowNotFoundError);
      await expect(booted.scheduler.enqueueWorkflow('echo', {}, { delayMs: -1 })).rejects.toThrow(
        /"delayMs" = -1/,
      );

      await booted.scheduler.enqueueWorkflow('validated', { orderId: 'abc', quantity: 2 });
      await waitFor(() => workflows.runsOf('validated').length === before + 1, 5000, 'the valid order');
      await sleep(200);
      const runs = workflows.runsOf('validated');
      expect(runs).toHaveLength(before + 1);
      expect(runs[runs.length - 1]).toMatchObject({
        payload: { orderId: 'abc', quantity: 2 },
        payloadIsDto: true,
      });
    });

    it('fires a recurring workflow, which can be paused, resumed and triggered', async () => {
      await waitFor(() => workflows.runsOf('ticker').length >= 2, 5000, 'two ticks');
      expect(workflows.runsOf('ticker')[0].payload).toEqual({ source: 'schedule' });
      const [info] = (await booted.scheduler.listJobs()).filter((j) => j.id === 'queue:ticker');
      expect(info).toMatchObject({ tier: 'queue', schedule: 'every 500ms' });
      // The next tick may be due and not yet taken on a loaded machine, but never a whole period behind.
      expect(info.nextRunAt!.getTime()).toBeGreaterThan(Date.now() - 500);
      expect(info.details).toMatchObject({
        provider,
        waiting: expect.any(Number),
        delayed: expect.any(Number),
      });

      await booted.scheduler.pause('queue:ticker');
      await sleep(300); // a run already started may finish
      const paused = workflows.runsOf('ticker').length;
      await sleep(1200);
      expect(workflows.runsOf('ticker').length).toBe(paused);
      await booted.scheduler.resume('queue:ticker');
      await waitFor(() => workflows.runsOf('ticker').length > paused, 3000, 'a tick after resume');

      const triggered = await booted.scheduler.trigger('queue:ticker');
      expect(triggered).toMatchObject({ jobId: 'queue:ticker', status: 'enqueued' });
      await waitFor(
        () => workflows.runsOf('ticker').some((r) => r.runId === triggered.id),
        3000,
        'the triggered run',
      );
    });

    it('refuses a workflow on a provider that is not configured, naming the method', async () => {
      if (provider !== 'memory') return;
      const { QueuedWorkflow, HybridSchedulerModule } = await import('nestjs-hybrid-scheduler');
      const { Injectable, Module } = await import('@nestjs/common');
      @Injectable()
      class Misconfigured {
        @QueuedWorkflow({ name: 'needs-redis', provider: 'bullmq' })
        run() {}
      }
      @Module({ imports: [HybridSchedulerModule.forRoot({})], providers: [Misconfigured] })
      class BadModule {}
      await expect(bootApp(BadModule)).rejects.toThrow(InvalidTaskOptionsError);
      await expect(bootApp(BadModule)).rejects.toThrow(
        /Misconfigured\.run\(\).*"provider" = "bullmq".*queue\.bullmq/,
      );
    });
  },
);
