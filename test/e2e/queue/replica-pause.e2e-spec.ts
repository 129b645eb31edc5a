import { Injectable, Module } from '@nestjs/common';
import { HybridSchedulerModule, QueuedWorkflow } from 'nestjs-hybrid-scheduler';
import { bootApp, type BootedApp } from '../../support/nest-app.js';
import { startRedis, type PrivateRedis } from '../../support/redis.js';

@Injectable()
class Report {
  @QueuedWorkflow({ name: 'report', every: 60_000 })
  run(): void {}
}

const appOn = (url: string) => {
  @Module({
    imports: [
      HybridSchedulerModule.forRoot({
        fallback: 'fail',
        queue: { bullmq: { connection: url, prefix: 'pauses' } },
      }),
    ],
    providers: [Report],
  })
  class PauseModule {}
  return PauseModule;
};

/** BullMQ pauses the queue for every replica: every replica's listJobs()/getJob() shows it, whoever paused. */
describe('queue tier on bullmq: a pause seen from every replica', () => {
  let redis: PrivateRedis;
  const apps: BootedApp[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await redis.stop();
  });

  it('shows paused on a replica that did not pause, and resumed after another replica resumed', async () => {
    const [a, b] = [await bootApp(appOn(redis.url)), await bootApp(appOn(redis.url))];
    apps.push(a, b);
    const paused = async (app: BootedApp) => (await app.scheduler.getJob('queue:report')).paused;
    expect([await paused(a), await paused(b)]).toEqual([false, false]);
    await a.scheduler.pause('queue:report');
    expect(await paused(b)).toBe(true);
    const [listed] = (await b.scheduler.listJobs()).filter((job) => job.id === 'queue:report');
    expect(listed.paused).toBe(true);
    await b.scheduler.resume('queue:report');
    expect([await paused(a), await paused(b)]).toEqual([false, false]);
    // A replica booted while the queue is paused shows it at once.
    await a.scheduler.pause('queue:report');
    const c = await bootApp(appOn(redis.url));
    apps.push(c);
    expect(await paused(c)).toBe(true);
  }, 30_000);
});
