import { Injectable, Module } from '@nestjs/common';
import { HybridSchedulerModule, QueuedWorkflow, type WorkflowContext } from 'nestjs-hybrid-scheduler';
import { bootApp, sleep, waitFor } from '../../support/nest-app.js';
import { startRedis, type PrivateRedis } from '../../support/redis.js';

const ran: Array<{ workflow: string; scheduledAt: number; at: number }> = [];

@Injectable()
class Recurring {
  @QueuedWorkflow({ name: 'skip-late', every: 400 })
  skip(_payload: unknown, ctx: WorkflowContext) {
    ran.push({ workflow: ctx.workflow, scheduledAt: ctx.scheduledAt.getTime(), at: Date.now() });
  }

  @QueuedWorkflow({ name: 'once-late', every: 400, catchUp: 'once' })
  once(_payload: unknown, ctx: WorkflowContext) {
    ran.push({ workflow: ctx.workflow, scheduledAt: ctx.scheduledAt.getTime(), at: Date.now() });
  }
}

const appWith = (url: string, roles: Array<'producer' | 'worker'>) => {
  @Module({
    imports: [
      HybridSchedulerModule.forRoot({
        fallback: 'fail',
        queue: { roles, bullmq: { connection: url, prefix: 'catchup' } },
      }),
    ],
    providers: [Recurring],
  })
  class CatchUpModule {}
  return CatchUpModule;
};

/** Ticks that fell due while no worker ran: reported as `missed`, and run once only with catchUp: 'once'. */
describe('queue tier on bullmq: ticks missed while no worker ran', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => redis.stop());

  it("reports them as missed; catchUp 'skip' drops the stale slot, catchUp 'once' runs it once", async () => {
    // A producer-only replica installs the schedules; no worker runs for ~1.6 s, so ticks fall due unserved.
    const producer = await bootApp(appWith(redis.url, ['producer']));
    await sleep(1_600);
    await producer.close();
    expect(ran).toHaveLength(0);

    const workerStartedAt = Date.now();
    const worker = await bootApp(appWith(redis.url, ['producer', 'worker']));
    try {
      await waitFor(
        () => ran.filter((r) => r.workflow === 'skip-late').length >= 2,
        4_000,
        'fresh ticks after the gap',
      );
      const missedSkip = worker.eventsOf('queue:skip-late', 'missed');
      const missedOnce = worker.eventsOf('queue:once-late', 'missed');
      expect(missedSkip.length).toBeGreaterThanOrEqual(2);
      expect(missedSkip[0].reason).toMatch(/no worker ran when the tick was due/);
      expect(missedOnce.length).toBeGreaterThanOrEqual(1);
      // skip: nothing that was due long before the worker started ran.
      const staleSkip = ran.filter(
        (r) => r.workflow === 'skip-late' && r.scheduledAt < workerStartedAt - 400,
      );
      expect(staleSkip).toHaveLength(0);
      // Nor the stale slot itself: BullMQ's boot-time upsert used to re-add it stamped with the upsert's time,
      // so it ran at once with a scheduledAt after the boot. The schedule starts afresh one period after it.
      expect(ran.find((r) => r.workflow === 'skip-late')!.scheduledAt).toBeGreaterThanOrEqual(
        workerStartedAt + 400,
      );
      // once: one extra run for the gap, besides the regular slots (both tick on the same 400 ms grid): counted
      // by due time up to half a period before skip-late's second slot, so a slow boot does not blur it.
      const skipRuns = ran.filter((r) => r.workflow === 'skip-late');
      const before = skipRuns[1].scheduledAt - 200;
      const early = (workflow: string) =>
        ran.filter((r) => r.workflow === workflow && r.scheduledAt < before).length;
      expect(early('once-late')).toBe(early('skip-late') + 1);
      // Every slot ran at most once.
      for (const workflow of ['skip-late', 'once-late']) {
        const slots = ran.filter((r) => r.workflow === workflow).map((r) => r.scheduledAt);
        expect(new Set(slots).size).toBe(slots.length);
      }
    } finally {
      await worker.close();
    }
  });
});
