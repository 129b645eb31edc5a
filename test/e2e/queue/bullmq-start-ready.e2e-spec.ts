import { Injectable, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HybridSchedulerModule, QueuedWorkflow } from 'nestjs-hybrid-scheduler';
import { HybridSchedulerHealthIndicator, HybridSchedulerHealthModule } from 'nestjs-hybrid-scheduler/health';
import { bootApp } from '../../support/nest-app.js';
import { startRedis, type PrivateRedis } from '../../support/redis.js';

@Injectable()
class Workflows {
  @QueuedWorkflow({ name: 'ready-a' })
  a() {}
  @QueuedWorkflow({ name: 'ready-b', every: '1h' })
  b() {}
  @QueuedWorkflow({ name: 'ready-c', concurrency: 4 })
  c() {}
}

/** Issue 9: "Started" means ready; health does not say degraded for a moment after boot (the demo waited for it). */
describe('queue tier on bullmq: ready when start() returns', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis.stop());

  it.each([1, 2, 3])('health is up right after app.init() (boot %i)', async () => {
    @Module({
      imports: [
        HybridSchedulerModule.forRoot({
          fallback: 'fail',
          queue: { bullmq: { connection: redis.url, prefix: 'ready' } },
        }),
        TerminusModule,
        HybridSchedulerHealthModule,
      ],
      providers: [Workflows],
    })
    class ReadyModule {}
    const booted = await bootApp(ReadyModule);
    try {
      const health = booted.app.get(HybridSchedulerHealthIndicator);
      const queue = (await health.isHealthy('queue'))['scheduler-queue'];
      expect(queue.status).toBe('up');
    } finally {
      await booted.close();
    }
  });
});
