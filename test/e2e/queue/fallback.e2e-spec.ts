import { Injectable, Module } from '@nestjs/common';
import {
  HybridSchedulerModule,
  InternalTask,
  InvalidTaskOptionsError,
  QueuedWorkflow,
  TierUnavailableError,
  type HybridSchedulerModuleOptions,
} from 'nestjs-hybrid-scheduler';
import { SchedulerTiers } from '../../../libs/hybrid-scheduler/src/lifecycle/scheduler-tiers.js';
import { bootApp, waitFor } from '../../support/nest-app.js';
import { startRedis } from '../../support/redis.js';
import { freePort } from '../../support/server-process.js';

@Injectable()
class Reports {
  runs: unknown[] = [];
  @QueuedWorkflow({ name: 'report', attempts: 2 })
  report(payload: unknown) {
    this.runs.push(payload);
  }
}

const appWith = (options: HybridSchedulerModuleOptions) => {
  @Module({ imports: [HybridSchedulerModule.forRoot(options)], providers: [Reports] })
  class App {}
  return App;
};

describe('queue tier when the provider is unreachable at boot', () => {
  let deadPort: number;
  beforeAll(async () => (deadPort = await freePort()));

  it("fails boot with fallback 'fail', naming the provider and the address, within a few seconds", async () => {
    const started = Date.now();
    const boot = bootApp(
      appWith({ fallback: 'fail', queue: { bullmq: { connection: `redis://127.0.0.1:${deadPort}` } } }),
    );
    await expect(boot).rejects.toThrow(TierUnavailableError);
    await expect(
      bootApp(
        appWith({
          fallback: 'fail',
          queue: { bullmq: { connection: { host: '127.0.0.1', port: deadPort } } },
        }),
      ),
    ).rejects.toThrow(
      new RegExp(`bullmq: Redis at 127\\.0\\.0\\.1:${deadPort} is unreachable \\(ECONNREFUSED\\)`),
    );
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it("boots with fallback 'degrade': the workflow runs in-process and the queue tier reports why it is unavailable", async () => {
    const booted = await bootApp(
      appWith({ queue: { bullmq: { connection: `redis://127.0.0.1:${deadPort}` } } }),
    );
    try {
      const tiers = booted.app.get(SchedulerTiers);
      expect(tiers.isAvailable('queue')).toBe(false);
      expect(tiers.isConfigured('queue')).toBe(true);
      expect(tiers.availabilityOf('queue').reason).toContain(`Redis at 127.0.0.1:${deadPort} is unreachable`);
      const result = await booted.scheduler.enqueueWorkflow('report', { day: 1 });
      expect(result.provider).toBe('memory');
      await waitFor(() => booted.app.get(Reports).runs.length === 1, 3000, 'the fallback run');
      expect(booted.app.get(Reports).runs).toEqual([{ day: 1 }]);
    } finally {
      await booted.close();
    }
  });
});

describe('queue tier on its in-process engine since boot, once the engine answers', () => {
  it('says so (a restart uses the engine) in each job and keeps running in process', async () => {
    const port = await freePort();
    const booted = await bootApp(appWith({ queue: { bullmq: { connection: `redis://127.0.0.1:${port}` } } }));
    const redis = await startRedis({ port });
    try {
      const inProcess = async () =>
        String((await booted.scheduler.getJob('queue:report')).details?.inProcess);
      expect(await inProcess()).toContain('is unreachable');
      await waitFor(
        async () => (await inProcess()).includes('restart this replica to use them'),
        15_000,
        'the note that the engine answers again',
      );
      // Nothing switched behind the app's back: its jobs still run in process.
      expect((await booted.scheduler.enqueueWorkflow('report', { day: 2 })).provider).toBe('memory');
    } finally {
      await booted.close();
      await redis.stop();
    }
  }, 30_000);
});

describe('queue tier roles and singleton tasks', () => {
  it('refuses a singleton internal task without Redis, naming the method and the option to set', async () => {
    @Injectable()
    class Lonely {
      @InternalTask({ name: 'lonely', every: 1000, singleton: true })
      run() {}
    }
    @Module({ imports: [HybridSchedulerModule.forRoot({})], providers: [Lonely] })
    class App {}
    await expect(bootApp(App)).rejects.toThrow(InvalidTaskOptionsError);
    await expect(bootApp(App)).rejects.toThrow(
      /Lonely\.run\(\).*"singleton" = true.*set queue\.bullmq\.connection$/,
    );
  });

  it('a producer-only replica enqueues without consuming; a worker replica runs the job', async () => {
    const redis = await startRedis();
    const bullmq = { connection: redis.url, prefix: 'roles' };
    const producer = await bootApp(appWith({ fallback: 'fail', queue: { roles: ['producer'], bullmq } }));
    try {
      await producer.scheduler.enqueueWorkflow('report', { from: 'producer' });
      await new Promise((r) => setTimeout(r, 500));
      expect(producer.app.get(Reports).runs).toEqual([]);
      const [info] = await producer.scheduler.listJobs();
      expect(info.details).toMatchObject({ provider: 'bullmq', waiting: 1 });
      const worker = await bootApp(appWith({ fallback: 'fail', queue: { bullmq } }));
      try {
        await waitFor(() => worker.app.get(Reports).runs.length === 1, 5000, 'the worker replica');
        expect(producer.app.get(Reports).runs).toEqual([]);
      } finally {
        await worker.close();
      }
    } finally {
      await producer.close();
      await redis.stop();
    }
  });
});
