import { Injectable, Module } from '@nestjs/common';
import { HybridSchedulerModule, QueuedWorkflow, type WorkflowContext } from 'nestjs-hybrid-scheduler';
import { bootApp, waitFor } from '../../support/nest-app.js';
import { startRedis, type PrivateRedis } from '../../support/redis.js';

const runs: Array<{ jobKey: string; scheduledAt: number; by: SlowTick }> = [];

@Injectable()
class SlowTick {
  @QueuedWorkflow({ name: 'slow-tick', every: 1000 })
  async tick(_payload: unknown, ctx: WorkflowContext): Promise<void> {
    runs.push({ jobKey: ctx.jobKey, scheduledAt: ctx.scheduledAt.getTime(), by: this });
    // The very first run outlasts its replica's shutdown timeout: the tick is handed back.
    if (runs.length === 1)
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
  }
}

const appOn = (url: string) => {
  @Module({
    imports: [
      HybridSchedulerModule.forRoot({
        fallback: 'fail',
        queue: { shutdownTimeoutMs: 200, bullmq: { connection: url, prefix: 'handback' } },
      }),
    ],
    providers: [SlowTick],
  })
  class HandBackModule {}
  return HandBackModule;
};

/** A scheduler tick handed back at shutdown keeps its due time on the replica that runs it. */
describe('queue tier on bullmq: a handed-back tick', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis.stop());

  it('runs elsewhere with ctx.scheduledAt = its due time, not the time it was handed back', async () => {
    const first = await bootApp(appOn(redis.url));
    await waitFor(() => runs.length === 1, 5_000, 'the first tick to start');
    const [held] = runs;
    // Another replica boots meanwhile (its boot upserts the job scheduler), then the first one shuts down.
    const second = await bootApp(appOn(redis.url));
    const closedAt = Date.now();
    await first.close();
    try {
      await waitFor(
        () => runs.some((run) => run.by === second.app.get(SlowTick) && run.jobKey === held.jobKey),
        10_000,
        'the handed-back tick on the second replica',
      );
      const again = runs.find((run) => run.by === second.app.get(SlowTick) && run.jobKey === held.jobKey)!;
      expect(again.scheduledAt).toBe(held.scheduledAt);
      expect(again.scheduledAt).toBeLessThan(closedAt);
    } finally {
      await second.close();
    }
  }, 30_000);
});
