import { Injectable, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HybridSchedulerModule, QueuedWorkflow } from 'nestjs-hybrid-scheduler';
import { HybridSchedulerHealthIndicator, HybridSchedulerHealthModule } from 'nestjs-hybrid-scheduler/health';
import { bootApp, waitFor } from '../../support/nest-app.js';
import { startRedis, type PrivateRedis } from '../../support/redis.js';

const done: number[] = [];

@Injectable()
class Mail {
  @QueuedWorkflow({ name: 'send-mail' })
  send(payload: { n: number }) {
    done.push(payload.n);
  }
}

/** Redis going away must not crash the app: health turns degraded, and work resumes when Redis is back. */
describe('queue tier on bullmq: Redis outage while running', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startRedis({ appendOnly: true });
  });
  afterAll(async () => redis.stop());

  it('reports degraded during the outage and processes jobs again after Redis restarts', async () => {
    @Module({
      imports: [
        HybridSchedulerModule.forRoot({
          fallback: 'fail',
          queue: { bullmq: { connection: redis.url, prefix: 'outage' } },
        }),
        TerminusModule,
        HybridSchedulerHealthModule,
      ],
      providers: [Mail],
    })
    class OutageModule {}
    const booted = await bootApp(OutageModule);
    const health = booted.app.get(HybridSchedulerHealthIndicator);
    const queueStatus = async () => (await health.isHealthy('queue'))['scheduler-queue'].status;
    try {
      await booted.scheduler.enqueueWorkflow('send-mail', { n: 1 });
      await waitFor(() => done.includes(1), 3_000, 'the first job');
      expect(await queueStatus()).toBe('up');

      await redis.kill();
      await waitFor(async () => (await queueStatus()) === 'degraded', 5_000, 'health to turn degraded');
      const details = (await health.isHealthy('queue'))['scheduler-queue'] as Record<string, unknown>;
      expect(JSON.stringify(details)).toContain(redis.url.replace('redis://', '').replace(/\/.*$/, ''));

      await redis.restart();
      await waitFor(async () => (await queueStatus()) === 'up', 10_000, 'health to recover');
      await booted.scheduler.enqueueWorkflow('send-mail', { n: 2 });
      await waitFor(() => done.includes(2), 10_000, 'a job after the restart');
      expect(done.filter((n) => n === 1)).toHaveLength(1);
    } finally {
      await booted.close();
    }
  });
});
