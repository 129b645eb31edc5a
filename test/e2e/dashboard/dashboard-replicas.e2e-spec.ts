import { Injectable, Module } from '@nestjs/common';
import { BullModule, InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type { Page } from 'playwright-core';
import { HybridSchedulerModule, QueuedWorkflow } from 'nestjs-hybrid-scheduler';
import { HybridSchedulerDashboardModule } from 'nestjs-hybrid-scheduler/dashboard';
import { bootApp, waitFor, type BootedApp } from '../../support/nest-app.js';
import { startRedis, type PrivateRedis } from '../../support/redis.js';
import { launchChromium, type HeadlessChromium } from './browser.js';
import { serveApp, type ServedApp } from './dashboard-app.js';

@Injectable()
class ReplicaWork {
  @QueuedWorkflow({ name: 'replica-work', attempts: 1 })
  run(payload: { fail?: boolean }) {
    if (payload.fail) throw new Error('refused on the worker replica');
  }
}

/** A queue consumed the @nestjs/bullmq way: the dashboard lists it read-only. */
@Processor('legacy-reports')
class LegacyReports extends WorkerHost {
  done = 0;
  async process(): Promise<void> {
    this.done++;
  }
}

@Injectable()
class LegacyProducer {
  constructor(@InjectQueue('legacy-reports') readonly queue: Queue) {}
}

const schedulerOn = (redis: PrivateRedis, roles: Array<'producer' | 'worker'>) =>
  HybridSchedulerModule.forRoot({ queue: { roles, bullmq: { connection: redis.url, prefix: 'replicas' } } });

describe('dashboard on one replica, work done by another (BullMQ on a private Redis), in a real browser', () => {
  let redis: PrivateRedis;
  let worker: BootedApp;
  let served: ServedApp;
  let chromium: HeadlessChromium;
  let page: Page;
  const row = (id: string) => page.locator(`tr[data-job-id="${id}"]`);

  beforeAll(async () => {
    redis = await startRedis();
    @Module({ imports: [schedulerOn(redis, ['worker'])], providers: [ReplicaWork] })
    class WorkerReplica {}
    // The page's replica only produces: every run below is made by the other one.
    @Module({
      imports: [
        BullModule.forRoot({ connection: { host: '127.0.0.1', port: redis.port }, prefix: 'legacy' }),
        BullModule.registerQueue({ name: 'legacy-reports' }),
        schedulerOn(redis, ['producer']),
        HybridSchedulerDashboardModule.forRoot({ path: '/scheduler' }),
      ],
      providers: [ReplicaWork, LegacyReports, LegacyProducer],
    })
    class DashboardReplica {}
    worker = await bootApp(WorkerReplica);
    served = await serveApp(DashboardReplica);
    chromium = await launchChromium();
    page = await chromium.page();
    await page.goto(`${served.origin}/scheduler`);
    await row('queue:replica-work').waitFor();
  }, 60_000);

  afterAll(async () => {
    await chromium?.close();
    await served?.close();
    await worker?.close();
    await redis?.stop();
  });

  it("shows in its runs panel the runs the other replica made, kept by BullMQ, with the failure's error", async () => {
    const ok = await served.scheduler.enqueueWorkflow('replica-work', {});
    const bad = await served.scheduler.enqueueWorkflow('replica-work', { fail: true });
    await waitFor(
      () => worker.events.filter((e) => e.type === 'succeeded' || e.type === 'dead-lettered').length === 2,
      15_000,
      'both jobs finished on the worker replica',
    );
    await row('queue:replica-work').getByRole('button', { name: 'Runs of replica-work' }).click();
    const done = page.locator(`#detail tr.run[data-run-id="${ok.id}"]`);
    const failed = page.locator(`#detail tr.run[data-run-id="${bad.id}"]`);
    await done.waitFor({ timeout: 10_000 });
    await expect(done.getAttribute('data-from')).resolves.toBe('bullmq');
    await expect(done.textContent()).resolves.toContain('succeeded');
    await expect(failed.getAttribute('data-from')).resolves.toBe('bullmq');
    await expect(failed.textContent()).resolves.toContain('refused on the worker replica');
    await expect(page.locator('#detail .engine-history').textContent()).resolves.toContain('kept by bullmq');
    // Exactly one row per run, and none from this process: it ran nothing.
    await expect(page.locator('#detail tr.run').count()).resolves.toBe(2);
    await expect(page.locator('#detail tr.run[data-from="this process"]').count()).resolves.toBe(0);
    await page.keyboard.press('Escape');
  });

  it('offers no action for a queue adopted read-only from @nestjs/bullmq, and the API refuses them with 409', async () => {
    const legacy = row('queue:legacy-reports');
    await legacy.waitFor();
    await expect(legacy.getByRole('button', { name: /Trigger|Pause|Resume/ }).count()).resolves.toBe(0);
    await expect(legacy.textContent()).resolves.toContain('read-only (@nestjs/bullmq)');
    // Our own workflow on the same page keeps its buttons.
    await expect(
      row('queue:replica-work').getByRole('button', { name: 'Trigger replica-work now' }).count(),
    ).resolves.toBe(1);
    const token = await page.locator('meta[name="scheduler-dashboard-token"]').getAttribute('content');
    for (const action of ['trigger', 'pause', 'resume']) {
      const response = await fetch(`${served.origin}/scheduler/api/jobs/queue%3Alegacy-reports/${action}`, {
        method: 'POST',
        headers: { origin: served.origin, 'x-scheduler-dashboard-token': token! },
      });
      expect(response.status).toBe(409);
      const body = (await response.json()) as { error: string; message: string };
      expect(body.error).toBe('AdoptedJobControlError');
      expect(body.message).toContain(`${action}("queue:legacy-reports") is not available`);
    }
  });

  it("shows the @Processor queue's finished BullMQ jobs in its runs panel (read, not controlled)", async () => {
    const job = await served.app.get(LegacyProducer).queue.add('report', { id: 'r1' });
    await waitFor(() => served.app.get(LegacyReports).done === 1, 10_000, 'the @Processor ran the job');
    await waitFor(
      async () => (await served.scheduler.recentRuns('queue:legacy-reports')).runs.length === 1,
      5000,
      'the completed job in BullMQ',
    );
    const history = await served.scheduler.recentRuns('queue:legacy-reports');
    expect(history).toMatchObject({ keptBy: 'bullmq', runs: [{ id: `queue:legacy-reports:${job.id}` }] });
    expect(history.runs[0]).toMatchObject({ status: 'succeeded', attempts: 1 });
    await row('queue:legacy-reports').getByRole('button', { name: 'Runs of legacy-reports' }).click();
    const run = page.locator(`#detail tr.run[data-run-id="queue:legacy-reports:${job.id}"]`);
    await run.waitFor({ timeout: 10_000 });
    await expect(run.getAttribute('data-from')).resolves.toBe('bullmq');
    await expect(run.textContent()).resolves.toContain('succeeded');
    await page.keyboard.press('Escape');
  });
});
