import { Injectable, Module } from '@nestjs/common';
import { IsInt, Min } from 'class-validator';
import {
  HybridSchedulerModule,
  PayloadValidationError,
  QueuedWorkflow,
  TierUnavailableError,
  type WorkflowContext,
} from 'nestjs-hybrid-scheduler';
import { bootApp, sleep, waitFor, type BootedApp } from '../../support/nest-app.js';
import { startRedis, type PrivateRedis } from '../../support/redis.js';

class NumberedDto {
  @IsInt() @Min(0) n!: number;
}

@Injectable()
class BurstWorkflows {
  runs: Array<{ workflow: string; n: number; jobKey: string }> = [];

  @QueuedWorkflow({ name: 'burst', payload: NumberedDto, concurrency: 1, attempts: 1 })
  burst(payload: NumberedDto, ctx: WorkflowContext) {
    this.runs.push({ workflow: 'burst', n: payload.n, jobKey: ctx.jobKey });
  }

  of(workflow: string): number[] {
    return this.runs.filter((r) => r.workflow === workflow).map((r) => r.n);
  }
}

/**
 * Concurrent `enqueueWorkflow` calls made in the same tick go to Redis as one BullMQ addBulk: each caller still
 * gets its own result or its own error, order, idempotency keys and priorities hold, and a Redis failure fails
 * every caller of the batch.
 */
describe('enqueue bursts on BullMQ (coalesced adds)', () => {
  let redis: PrivateRedis;
  let booted: BootedApp;
  let workflows: BurstWorkflows;

  beforeAll(async () => {
    redis = await startRedis();
    @Module({
      imports: [
        HybridSchedulerModule.forRoot({
          fallback: 'fail',
          unavailableTimeoutMs: 500,
          queue: { bullmq: { connection: redis.url, prefix: 'burst-test' } },
        }),
      ],
      providers: [BurstWorkflows],
    })
    class BurstModule {}
    booted = await bootApp(BurstModule);
    workflows = booted.app.get(BurstWorkflows);
  });

  afterAll(async () => {
    await booted?.close();
    await redis?.stop();
  });

  beforeEach(() => {
    workflows.runs = [];
  });

  it('fails only the call whose payload does not validate; the others run once each, in order', async () => {
    const calls = Array.from({ length: 300 }, (_, n) =>
      booted.scheduler.enqueueWorkflow('burst', n === 57 ? { n: -1 } : { n }),
    );
    const settled = await Promise.allSettled(calls);
    const rejected = settled.flatMap((s, n) => (s.status === 'rejected' ? [{ n, reason: s.reason }] : []));
    expect(rejected).toHaveLength(1);
    expect(rejected[0].n).toBe(57);
    expect(rejected[0].reason).toBeInstanceOf(PayloadValidationError);
    const ids = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.id] : []));
    expect(new Set(ids).size).toBe(299);
    await waitFor(() => workflows.of('burst').length >= 299, 20_000, '299 runs');
    await sleep(300);
    const expected = Array.from({ length: 300 }, (_, n) => n).filter((n) => n !== 57);
    // Concurrency 1 and no priorities: FIFO, so the runs show the order the jobs reached the queue.
    expect(workflows.of('burst')).toEqual(expected);
    // Each caller got the id of its own job.
    const byN = new Map(workflows.runs.map((r) => [r.n, `queue:burst:${r.jobKey}`]));
    settled.forEach((s, n) => {
      if (s.status === 'fulfilled') expect(s.value.id).toBe(byN.get(n));
    });
  });

  it('honours an idempotency key shared by calls of the same burst: one job, the same id for all', async () => {
    const shared = Array.from({ length: 20 }, () =>
      booted.scheduler.enqueueWorkflow('burst', { n: 1000 }, { idempotencyKey: 'order-1000' }),
    );
    const distinct = Array.from({ length: 5 }, (_, k) =>
      booted.scheduler.enqueueWorkflow('burst', { n: 2000 + k }, { idempotencyKey: `order-${2000 + k}` }),
    );
    const sharedResults = await Promise.all(shared);
    const distinctResults = await Promise.all(distinct);
    expect(sharedResults.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(sharedResults.map((r) => r.id)).size).toBe(1);
    expect(distinctResults.every((r) => r.created)).toBe(true);
    expect(new Set(distinctResults.map((r) => r.id)).size).toBe(5);
    await waitFor(() => workflows.of('burst').length >= 6, 10_000, 'six runs');
    await sleep(300);
    expect(workflows.of('burst').sort((a, b) => a - b)).toEqual([1000, 2000, 2001, 2002, 2003, 2004]);
  });

  it('honours priorities given in one burst', async () => {
    await booted.scheduler.pause('queue:burst');
    const priorities = [5, 1, 4, 2, 3];
    await Promise.all(
      priorities.map((priority) => booted.scheduler.enqueueWorkflow('burst', { n: priority }, { priority })),
    );
    await booted.scheduler.resume('queue:burst');
    await waitFor(() => workflows.of('burst').length >= 5, 10_000, 'five runs');
    expect(workflows.of('burst')).toEqual([1, 2, 3, 4, 5]);
  });

  it('gives every caller of a burst the error when Redis is gone', async () => {
    await redis.kill();
    try {
      const settled = await Promise.allSettled(
        Array.from({ length: 10 }, (_, n) => booted.scheduler.enqueueWorkflow('burst', { n })),
      );
      expect(settled.map((s) => s.status)).toEqual(Array(10).fill('rejected'));
      for (const s of settled)
        if (s.status === 'rejected') expect(s.reason).toBeInstanceOf(TierUnavailableError);
    } finally {
      await redis.restart();
    }
    // Back to normal once Redis answers: the next burst goes through (and the app closes cleanly).
    await waitFor(
      () =>
        booted.scheduler.enqueueWorkflow('burst', { n: 1 }).then(
          () => true,
          () => false,
        ),
      30_000,
      'an enqueue after the restart',
    );
    await waitFor(() => workflows.of('burst').includes(1), 20_000, 'its run');
  }, 90_000);
});
