import type { HybridSchedulerModuleOptions } from 'nestjs-hybrid-scheduler';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { bootApp, sleep, waitFor, type BootedApp } from '../../support/nest-app.js';
import { startRedis, type PrivateRedis } from '../../support/redis.js';
import { queueTestModule, TestWorkflows } from './queue-test.workflows.js';

/** removeJob (and a task moving back to a recovered tier) must stop a workflow's schedule, not just hide it. */
describe.each(['memory', 'bullmq'] as const)(
  'queue tier on %s: removing a recurring workflow',
  (provider) => {
    let redis: PrivateRedis | undefined;
    let booted: BootedApp;

    beforeAll(async () => {
      const options: HybridSchedulerModuleOptions = { fallback: 'fail' };
      if (provider === 'bullmq') {
        redis = await startRedis();
        options.queue = { bullmq: { connection: redis.url, prefix: 'rm-test' } };
      }
      booted = await bootApp(queueTestModule(options));
    });
    afterAll(async () => {
      await booted?.close();
      await redis?.stop();
    });

    it('stops its ticks and, on BullMQ, deletes its job scheduler', async () => {
      const workflows = booted.app.get(TestWorkflows);
      await waitFor(() => workflows.runsOf('ticker').length >= 1, 5_000, 'a first tick');
      await booted.scheduler.removeJob('queue:ticker');
      await sleep(300); // a run that had already started may finish
      const after = workflows.runsOf('ticker').length;
      await sleep(1_300);
      expect(workflows.runsOf('ticker').length).toBe(after);
      expect((await booted.scheduler.listJobs()).map((job) => job.id)).not.toContain('queue:ticker');
      if (redis) {
        const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
        const queue = new Queue('ticker', { connection, prefix: 'rm-test' });
        expect(await queue.getJobScheduler('ticker')).toBeUndefined();
        await queue.close();
        await connection.quit();
      }
    });
  },
);
