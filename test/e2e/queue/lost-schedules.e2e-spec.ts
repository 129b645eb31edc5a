import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  HybridScheduler,
  HybridSchedulerModule,
  QueuedWorkflow,
  type JobEvent,
} from 'nestjs-hybrid-scheduler';
import { sleep, waitFor } from '../../support/nest-app.js';
import { startRedis, type PrivateRedis } from '../../support/redis.js';
import { CapturingLogger } from '../../support/secret-leaks.js';

const ticks: Record<string, number[]> = { 'lost-every': [], 'lost-cron': [] };

@Injectable()
class Recurring {
  @QueuedWorkflow({ name: 'lost-every', every: '1s' })
  every() {
    ticks['lost-every'].push(Date.now());
  }
  @QueuedWorkflow({ name: 'lost-cron', cron: '* * * * * *' })
  cron() {
    ticks['lost-cron'].push(Date.now());
  }
}

/** Issue 9: Redis restarted without persistence loses BullMQ's Job Schedulers; the app re-creates them. */
describe('queue tier on bullmq: schedules lost by Redis come back', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startRedis(); // --save "" and no AOF: a restart forgets everything
  });
  afterAll(async () => redis.stop());

  it('re-creates the cron and every schedulers after a restart, warns naming each, and reports missed ticks', async () => {
    @Module({
      imports: [
        HybridSchedulerModule.forRoot({ queue: { bullmq: { connection: redis.url, prefix: 'lost' } } }),
      ],
      providers: [Recurring],
    })
    class LostModule {}
    const logger = new CapturingLogger();
    const app = (await Test.createTestingModule({ imports: [LostModule] }).compile()).createNestApplication({
      logger,
    });
    const events: JobEvent[] = [];
    app.get(HybridScheduler).onJobEvent((event) => events.push(event));
    await app.init();
    try {
      await waitFor(() => ticks['lost-every'].length >= 2 && ticks['lost-cron'].length >= 2, 10_000, 'ticks');
      await redis.kill();
      await sleep(3_000);
      await redis.restart(); // empty: the Job Schedulers are gone
      const restartedAt = Date.now();

      for (const name of ['lost-every', 'lost-cron']) {
        await waitFor(
          () =>
            logger.lines.some((l) => l.startsWith('WARN') && l.includes(`workflow "${name}" was missing`)),
          10_000,
          `the warning for ${name}`,
        );
        await waitFor(
          () => ticks[name].some((t) => t > restartedAt),
          10_000,
          `${name} to fire again after the restart`,
        );
        const missed = events.filter((e) => e.jobId === `queue:${name}` && e.type === 'missed');
        expect(missed.length).toBeGreaterThanOrEqual(1);
      }
      const info = await app.get(HybridScheduler).getJob('queue:lost-every');
      expect(info.nextRunAt).not.toBeNull();
    } finally {
      await app.close();
    }
  }, 60_000);
});
