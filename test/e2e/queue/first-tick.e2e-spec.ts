import { Injectable, Module } from '@nestjs/common';
import {
  HybridSchedulerModule,
  QueuedWorkflow,
  type HybridSchedulerModuleOptions,
} from 'nestjs-hybrid-scheduler';
import { bootApp, waitFor } from '../../support/nest-app.js';
import { startRedis, type PrivateRedis } from '../../support/redis.js';

const PERIOD_MS = 2_000;
const fired: number[] = [];

@Injectable()
class Periodic {
  @QueuedWorkflow({ name: 'first-tick', every: '2s' })
  tick() {
    fired.push(Date.now());
  }
}

/**
 * Issue 9: one rule for `every` on every engine, as on the internal tier and @nestjs/schedule's @Interval:
 * the first tick comes one period after boot, not at boot (docs/queue.md, "Recurring workflows").
 */
describe.each(['memory', 'bullmq'] as const)('queue tier on %s: the first `every` tick', (provider) => {
  let redis: PrivateRedis | undefined;
  beforeAll(async () => {
    if (provider === 'bullmq') redis = await startRedis();
  });
  afterAll(async () => redis?.stop());

  it('comes one period after boot, then every period', async () => {
    fired.length = 0;
    const options: HybridSchedulerModuleOptions = { fallback: 'fail' };
    if (redis) options.queue = { bullmq: { connection: redis.url, prefix: 'first-tick' } };
    @Module({ imports: [HybridSchedulerModule.forRoot(options)], providers: [Periodic] })
    class FirstTickModule {}
    const bootedAt = Date.now();
    const booted = await bootApp(FirstTickModule);
    try {
      await waitFor(() => fired.length >= 2, 3 * PERIOD_MS + 2_000, 'two ticks');
      const first = fired[0] - bootedAt;
      expect(first).toBeGreaterThanOrEqual(PERIOD_MS - 100);
      expect(first).toBeLessThan(PERIOD_MS + 1_000);
      // The second tick keeps to the schedule (two periods after boot); a first tick that a loaded machine
      // started late does not pull the next one earlier or push it later.
      const second = fired[1] - bootedAt;
      expect(second).toBeGreaterThanOrEqual(2 * PERIOD_MS - 100);
      expect(second).toBeLessThan(2 * PERIOD_MS + 1_000);
    } finally {
      await booted.close();
    }
  }, 30_000);
});
