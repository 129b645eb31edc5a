import {
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type CanActivate,
  type ExecutionContext,
  type Type,
} from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { HybridSchedulerModule, InternalTask, QueuedWorkflow } from 'nestjs-hybrid-scheduler';
import {
  HybridSchedulerDashboardModule,
  type HybridSchedulerDashboardOptions,
} from 'nestjs-hybrid-scheduler/dashboard';
import { launchChromium, type HeadlessChromium } from './browser.js';
import { DemoWithFastTick, serveApp, type ServedApp } from './dashboard-app.js';
import { createNetworkNamespace, networkNamespaceSupport, type NetworkNamespace } from './netns.js';

@Injectable()
class Jobs {
  @InternalTask({ name: 'nightly', cron: '0 3 * * *' })
  nightly(): void {}

  @QueuedWorkflow({ name: 'export', attempts: 1 })
  async export(): Promise<void> {}
}

/** Lets a request in when it carries `x-role: ops` (what an app's auth guard would check). */
@Injectable()
class OpsGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToHttp().getRequest<IncomingMessage>().headers['x-role'] === 'ops';
  }
}

const appWith = (dashboard: HybridSchedulerDashboardOptions): Type<unknown> => {
  @Module({
    imports: [
      HybridSchedulerModule.forRoot({ queue: { provider: 'memory' } }),
      HybridSchedulerDashboardModule.forRoot(dashboard),
    ],
    providers: [Jobs],
  })
  class DashboardTestApp {}
  return DashboardTestApp;
};

/** The page's action token, as the page itself carries it. */
const tokenOf = async (pageUrl: string, headers: Record<string, string> = {}): Promise<string> => {
  const html = await (await fetch(pageUrl, { headers })).text();
  return /name="scheduler-dashboard-token" content="([^"]+)"/.exec(html)![1];
};
const post = (url: string, headers: Record<string, string>) => fetch(url, { method: 'POST', headers });

describe('dashboard access', () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = saved;
  });

  describe('readOnly', () => {
    let served: ServedApp;
    let chromium: HeadlessChromium;
    beforeAll(async () => {
      served = await serveApp(appWith({ path: '/ops/scheduler', readOnly: true }));
      chromium = await launchChromium();
    });
    afterAll(async () => {
      await chromium.close();
      await served.close();
    });

    it('shows no buttons, and a forged POST with a valid token and origin gets 403', async () => {
      const page = await chromium.page();
      await page.goto(`${served.origin}/ops/scheduler`);
      await page.locator('tr[data-job-id="internal:nightly"]').waitFor();
      await expect(page.locator('.notice').textContent()).resolves.toContain('Read-only');
      await expect(page.getByRole('button', { name: /^(Trigger|Pause|Resume)/ }).count()).resolves.toBe(0);
      await page.getByRole('button', { name: 'Runs of export' }).click();
      await page.locator('.dead-letters').waitFor();
      await expect(page.getByRole('button', { name: /Purge|Retry/ }).count()).resolves.toBe(0);
      const token = await tokenOf(`${served.origin}/ops/scheduler`);
      const headers = { origin: served.origin, 'x-scheduler-dashboard-token': token };
      for (const path of [
        'jobs/internal%3Anightly/trigger',
        'jobs/internal%3Anightly/pause',
        'workflows/export/dead-letters/purge',
      ])
        expect((await post(`${served.origin}/ops/scheduler/api/${path}`, headers)).status).toBe(403);
      expect((await served.scheduler.getJob('internal:nightly')).runs).toBe(0);
    });
  });

  describe('actions (not read-only)', () => {
    let served: ServedApp;
    beforeAll(async () => {
      served = await serveApp(appWith({}));
    });
    afterAll(() => served.close());

    it("need the page's token and a same-origin Origin; with both the action runs", async () => {
      const url = `${served.origin}/scheduler/api/jobs/internal%3Anightly/trigger`;
      const token = await tokenOf(`${served.origin}/scheduler`);
      expect((await post(url, { origin: served.origin })).status).toBe(403);
      expect((await post(url, { 'x-scheduler-dashboard-token': token })).status).toBe(403);
      expect(
        (await post(url, { origin: 'https://evil.example', 'x-scheduler-dashboard-token': token })).status,
      ).toBe(403);
      expect(
        (await post(url, { origin: served.origin, 'x-scheduler-dashboard-token': 'x'.repeat(43) })).status,
      ).toBe(403);
      expect((await served.scheduler.getJob('internal:nightly')).runs).toBe(0);
      const ok = await post(url, { origin: served.origin, 'x-scheduler-dashboard-token': token });
      expect([ok.status, ((await ok.json()) as { jobId: string }).jobId]).toEqual([200, 'internal:nightly']);
      expect((await served.scheduler.getJob('internal:nightly')).runs).toBe(1);
    });
  });

  describe.each([
    ['an authorize function', { authorize: (req: IncomingMessage) => req.headers['x-role'] === 'ops' }],
    ['a guard class', { authorize: OpsGuard }],
  ])('with %s', (_, options: HybridSchedulerDashboardOptions) => {
    let served: ServedApp;
    beforeAll(async () => {
      served = await serveApp(appWith(options));
    });
    afterAll(() => served.close());

    it('answers 403 to a request it refuses, on every route, and serves one it accepts', async () => {
      for (const path of ['', '/api/overview', '/api/events', '/assets/dashboard.js'])
        expect((await fetch(`${served.origin}/scheduler${path}`)).status).toBe(403);
      const trigger = `${served.origin}/scheduler/api/jobs/internal%3Anightly/trigger`;
      const token = await tokenOf(`${served.origin}/scheduler`, { 'x-role': 'ops' });
      expect(
        (await post(trigger, { origin: served.origin, 'x-scheduler-dashboard-token': token })).status,
      ).toBe(403);
      expect(
        (await fetch(`${served.origin}/scheduler/api/overview`, { headers: { 'x-role': 'ops' } })).status,
      ).toBe(200);
      const ok = await post(trigger, {
        origin: served.origin,
        'x-scheduler-dashboard-token': token,
        'x-role': 'ops',
      });
      expect(ok.status).toBe(200);
    });
  });

  it('ends open event streams when the app closes, so that closing does not wait for the browser', async () => {
    const served = await serveApp(appWith({}));
    const stream = await fetch(`${served.origin}/scheduler/api/events`);
    expect([stream.status, stream.headers.get('content-type')]).toEqual([200, 'text/event-stream']);
    const reader = stream.body!.getReader();
    const started = Date.now();
    await served.close();
    // Without ending the streams, close() waits for as long as the client stays connected (here: forever).
    expect(Date.now() - started).toBeLessThan(15_000);
    let chunk = await reader.read();
    while (!chunk.done) chunk = await reader.read();
  });

  it('ends a stream opened while the app is closing (a browser reconnecting meanwhile)', async () => {
    // A common graceful shutdown: wait for the load balancer to stop sending traffic before the server closes.
    // The server still answers meanwhile, and a browser whose stream just ended reconnects.
    @Injectable()
    class DeregistrationDelay implements BeforeApplicationShutdown {
      beforeApplicationShutdown(): Promise<void> {
        return new Promise((resolve) => setTimeout(resolve, 1500));
      }
    }
    @Module({ imports: [appWith({})], providers: [DeregistrationDelay] })
    class DelayedShutdownApp {}
    const served = await serveApp(DelayedShutdownApp);
    const started = Date.now();
    const closed = served.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stream = await fetch(`${served.origin}/scheduler/api/events`);
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    const ended = (async () => {
      let chunk = await reader.read();
      while (!chunk.done) chunk = await reader.read();
      return 'ended';
    })();
    const timeout = new Promise((resolve) => setTimeout(resolve, 5_000, 'still open'));
    expect(await Promise.race([ended, timeout])).toBe('ended');
    // Without ending it, close() waits for as long as the client stays connected (here: forever).
    await closed;
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('shows a job on a fallback with its declared tier and why (the demo without Prefect)', async () => {
    const served = await serveApp(DemoWithFastTick);
    try {
      const overview = (await (await fetch(`${served.origin}/scheduler/api/overview`)).json()) as {
        jobs: Array<{
          id: string;
          name: string;
          declaredTier: string;
          fallback: { reason: string; since: string } | null;
        }>;
        health: Array<{ tier: string; status: string }>;
      };
      const sweep = overview.jobs.find(
        (job) => job.name === 'daily-code-sweep/prod' || job.id.endsWith(':daily-code-sweep/prod'),
      );
      expect(sweep).toMatchObject({
        declaredTier: 'prefect',
        fallback: { reason: 'prefect tier not configured' },
      });
      expect(sweep!.id).not.toMatch(/^prefect:/);
      expect(Date.parse(sweep!.fallback!.since)).not.toBeNaN();
      expect(overview.health.find((h) => h.tier === 'prefect')?.status).toBe('not configured');
    } finally {
      await served.close();
    }
  });

  const netns = networkNamespaceSupport();
  (netns.ok ? describe : describe.skip)(
    'loopback-only default, from a real non-loopback client (network namespace)',
    () => {
      let namespace: NetworkNamespace;
      let open: ServedApp;
      let authorized: ServedApp;
      beforeAll(async () => {
        namespace = createNetworkNamespace();
        open = await serveApp(appWith({}), {}, '0.0.0.0');
        authorized = await serveApp(appWith({ authorize: () => true }), {}, '0.0.0.0');
      });
      afterAll(async () => {
        await open?.close();
        await authorized?.close();
        namespace?.remove();
      });

      const statusFrom = (ns: NetworkNamespace, url: string) =>
        ns.node(
          `fetch(${JSON.stringify(url)}).then((r) => console.log(r.status), (e) => console.log('error ' + e.message))`,
        );

      it('refuses a client on another address with 403 and serves loopback', async () => {
        const remote = `http://${namespace.hostAddress}:${open.port}/scheduler`;
        await expect(statusFrom(namespace, remote)).resolves.toBe('403');
        await expect(statusFrom(namespace, `${remote}/api/overview`)).resolves.toBe('403');
        expect((await fetch(`http://127.0.0.1:${open.port}/scheduler`)).status).toBe(200);
        // The same client is served where `authorize` lets it in: the namespace does reach the host.
        await expect(
          statusFrom(namespace, `http://${namespace.hostAddress}:${authorized.port}/scheduler`),
        ).resolves.toBe('200');
      });
    },
  );
  if (!netns.ok)
    it.todo(
      `loopback check from a network namespace: not possible here (${netns.reason}); see test/unit/dashboard.spec.ts`,
    );
});
