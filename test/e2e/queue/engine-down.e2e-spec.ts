import { Injectable, Module } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  HybridSchedulerModule,
  InternalTask,
  QueuedWorkflow,
  TierUnavailableError,
  HybridScheduler,
  type HybridSchedulerModuleOptions,
} from 'nestjs-hybrid-scheduler';
import { bootApp, waitFor, type BootedApp } from '../../support/nest-app.js';
import { startRedis } from '../../support/redis.js';
import { startNats } from '../../support/nats.js';
import { startRabbitMq } from '../../support/rabbitmq.js';
import { startCloudTasksEmulator } from '../../support/cloud-tasks-emulator/index.js';

/** A private server of one engine that the test can stop and start again under the running app. */
interface EngineServer {
  queue: HybridSchedulerModuleOptions['queue'];
  address: string;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;

  /** An HTTP server the app listens on (Cloud Tasks pushes its jobs to it). */
  adapter?: ExpressAdapter;
}

/** An Express adapter on a listening HTTP server, so that a push URL is known before the app boots. */
async function httpServer(): Promise<{ adapter: ExpressAdapter; server: Server; url: string }> {
  const adapter = new ExpressAdapter();
  const server = createServer(adapter.getInstance());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { adapter, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const ENGINES: Array<[string, () => Promise<EngineServer>]> = [
  [
    'bullmq',
    async () => {
      const redis = await startRedis({ appendOnly: true });
      return {
        queue: { bullmq: { connection: redis.url, prefix: 'down' } },
        address: `127.0.0.1:${redis.port}`,
        down: () => redis.stop({ keepDir: true }),
        up: () => redis.restart(),
        close: () => redis.stop(),
      };
    },
  ],
  [
    'nats',
    async () => {
      const nats = await startNats();
      return {
        queue: { nats: { servers: nats.url } },
        address: `127.0.0.1:${nats.port}`,
        down: () => nats.kill(),
        up: () => nats.restart(),
        close: () => nats.stop(),
      };
    },
  ],
  [
    'rabbitmq',
    async () => {
      const rabbit = await startRabbitMq();
      return {
        queue: { rabbitmq: { url: rabbit.url, prefix: 'down' } },
        address: `127.0.0.1:${rabbit.port} (vhost /)`,
        down: () => rabbit.stop({ keepDir: true }),
        up: () => rabbit.restart(),
        close: () => rabbit.stop(),
      };
    },
  ],
  [
    'cloud-tasks',
    async () => {
      const emulator = await startCloudTasksEmulator({ timeScale: 0.01 });
      const http = await httpServer();
      return {
        queue: {
          provider: 'cloud-tasks',
          cloudTasks: {
            projectId: 'demo-project',
            location: 'europe-west1',
            queue: 'down',
            publicUrl: http.url,
            serviceAccountEmail: 'scheduler@demo-project.iam.gserviceaccount.com',
            ensureQueue: true,
            emulator: { host: emulator.host, port: emulator.port },
            oidc: { certsUrl: emulator.certsUrl, issuers: [emulator.issuer] },
          },
        },
        address: `${emulator.host}:${emulator.port}`,
        down: () => emulator.down(),
        up: () => emulator.up(),
        close: async () => {
          await emulator.stop();
          http.server.closeAllConnections();
          await new Promise((resolve) => http.server.close(resolve));
        },
        adapter: http.adapter,
      };
    },
  ],
];

const BOUND_MS = 1_000;
/** Room for a loaded CI machine on top of the configured bound. */
const SLACK_MS = 1_500;

@Injectable()
class Mail {
  sent: number[] = [];
  @QueuedWorkflow({ name: 'send-mail', attempts: 1 })
  send(payload: { n: number }) {
    this.sent.push(payload.n);
  }
}

@Injectable()
class Metrics {
  ticks = 0;
  listedWithinMs: number[] = [];
  constructor(private readonly scheduler: HybridScheduler) {}
  /** Like the demo's metrics job: an internal task that lists jobs every 100 ms. */
  @InternalTask({ name: 'metrics', every: 100 })
  async collect() {
    this.ticks++;
    const started = Date.now();
    await this.scheduler.listJobs();
    this.listedWithinMs.push(Date.now() - started);
  }
}

/** Settles `call` and says how long it took and how it ended. */
async function timed(
  call: () => Promise<unknown>,
): Promise<{ ms: number; error?: unknown; value?: unknown }> {
  const started = Date.now();
  try {
    const value = await call();
    return { ms: Date.now() - started, value };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

/** Issue 9: with the engine's server stopped under a running app, every facade method answers within the bound. */
describe.each(ENGINES)(
  'queue tier on %s: the engine down at runtime never hangs a caller',
  (engine, start) => {
    let server: EngineServer;
    let booted: BootedApp;
    let mail: Mail;
    let metrics: Metrics;

    beforeAll(async () => {
      server = await start();
      @Module({
        imports: [
          HybridSchedulerModule.forRoot({
            fallback: 'fail',
            unavailableTimeoutMs: BOUND_MS,
            queue: server.queue,
          }),
        ],
        providers: [Mail, Metrics],
      })
      class DownModule {}
      booted = await bootApp(DownModule, { adapter: server.adapter });
      mail = booted.app.get(Mail);
      metrics = booted.app.get(Metrics);
    });
    let stopped = false;
    afterAll(async () => {
      if (stopped) await server.up(); // a failed assertion left the server down: let the app shut down cleanly
      await booted?.close();
      await server?.close();
    });

    it('fails fast with TierUnavailableError or answers from the last known state, and loses nothing enqueued', async () => {
      const { scheduler } = booted;
      await scheduler.enqueueWorkflow('send-mail', { n: 1 });
      await waitFor(() => mail.sent.includes(1), 5_000, 'the first job');
      await scheduler.listJobs(); // a known state to answer from
      // Reported enqueued before the outage, due after it: must run once the server is back.
      const delayed = await scheduler.enqueueWorkflow('send-mail', { n: 2 }, { delayMs: 1_500 });
      expect(delayed.created).toBe(true);

      await server.down();
      stopped = true;
      const engineCalls: Record<string, () => Promise<unknown>> = {
        enqueueWorkflow: () => scheduler.enqueueWorkflow('send-mail', { n: 3 }),
        deadLetters: () => scheduler.deadLetters('send-mail'),
        retryDeadLetter: () => scheduler.retryDeadLetter('queue:send-mail:42'),
        purgeDeadLetters: () => scheduler.purgeDeadLetters('send-mail'),
        trigger: () => scheduler.trigger('queue:send-mail'),
        pause: () => scheduler.pause('queue:send-mail'),
        resume: () => scheduler.resume('queue:send-mail'),
      };
      for (const [method, call] of Object.entries(engineCalls)) {
        const outcome = await timed(call);
        expect({ method, ms: outcome.ms < BOUND_MS + SLACK_MS }).toEqual({ method, ms: true });
        expect(outcome.error).toBeInstanceOf(TierUnavailableError);
        const error = outcome.error as TierUnavailableError;
        expect(error).toMatchObject({ engine, address: server.address });
        expect(error.message).toContain(server.address);
      }
      // Once the outage is known, a call fails at once.
      expect((await timed(engineCalls.enqueueWorkflow)).ms).toBeLessThan(500);

      const listed = await timed(() => scheduler.listJobs());
      expect(listed.ms).toBeLessThan(500);
      const job = await scheduler.getJob('queue:send-mail');
      expect(job.details).toMatchObject({ provider: engine, stale: true });
      expect((await scheduler.getJob('internal:metrics')).lastStatus).toBe('succeeded');

      // The internal tier keeps running, and once the outage is known its listJobs() calls never wait on the engine.
      metrics.listedWithinMs.length = 0;
      await waitFor(() => metrics.listedWithinMs.length >= 5, 3_000, 'internal ticks during the outage');
      expect(Math.max(...metrics.listedWithinMs)).toBeLessThan(500);

      await server.up();
      stopped = false;
      await waitFor(
        async () => !(await scheduler.getJob('queue:send-mail')).details?.stale,
        30_000,
        'fresh data',
      );
      const after = await scheduler.enqueueWorkflow('send-mail', { n: 4 });
      expect(after.created).toBe(true);
      // NATS: the server is SIGKILLed and the delayed job was held by a NAK with delay, which a restart forgets;
      // it comes back within the delayed consumer's short ack wait (2 s), not the work consumer's 30 s.
      await waitFor(() => [2, 4].every((n) => mail.sent.includes(n)), 10_000, 'jobs after the restart');
      expect(mail.sent.filter((n) => n === 2)).toHaveLength(1);
      await scheduler.pause('queue:send-mail');
      await scheduler.resume('queue:send-mail');
    });
  },
);
