import { Injectable, Module } from '@nestjs/common';
import { IsInt, Min } from 'class-validator';
import {
  DeadLetterNotFoundError,
  HybridSchedulerModule,
  PayloadValidationError,
  QueuedWorkflow,
  WorkflowNotFoundError,
  type WorkflowContext,
} from 'nestjs-hybrid-scheduler';
import { bootApp, waitFor, type BootedApp } from '../../support/nest-app.js';

class ChargeRequest {
  @IsInt()
  @Min(1)
  cents!: number;
}

@Injectable()
class Billing {
  calls: Array<{ cents: number; attempt: number; provider: string }> = [];
  failFor = new Set<number>();
  running = 0;
  maxRunning = 0;
  @QueuedWorkflow({
    name: 'charge',
    attempts: 3,
    concurrency: 2,
    backoff: { type: 'fixed', delayMs: 50 },
    payload: ChargeRequest,
  })
  async charge(payload: ChargeRequest, ctx: WorkflowContext) {
    this.maxRunning = Math.max(this.maxRunning, ++this.running);
    await new Promise((resolve) => setTimeout(resolve, 30));
    this.running--;
    this.calls.push({
      cents: payload.cents,
      attempt: this.calls.filter((c) => c.cents === payload.cents).length + 1,
      provider: ctx.provider,
    });
    if (this.failFor.has(payload.cents)) throw new Error(`card declined for ${payload.cents}`);
  }
}

@Module({ imports: [HybridSchedulerModule.forRoot({ queue: { enabled: false } })], providers: [Billing] })
class AppModule {}

/**
 * The queue tier is off, so `charge` runs on the queue tier's in-process memory engine: the same validation,
 * retries, dead letters and idempotency as with any engine.
 */
describe('queued workflow on the in-process fallback', () => {
  let booted: BootedApp;
  let billing: Billing;
  beforeAll(async () => {
    booted = await bootApp(AppModule);
    billing = booted.app.get(Billing);
  });
  afterAll(async () => booted.close());

  it('validates the payload before accepting it', async () => {
    await expect(booted.scheduler.enqueueWorkflow('charge', { cents: 0 })).rejects.toThrow(
      PayloadValidationError,
    );
    await expect(booted.scheduler.enqueueWorkflow('charge', { cents: 1n })).rejects.toThrow(/BigInt/);
    await expect(booted.scheduler.enqueueWorkflow('nope', {})).rejects.toThrow(WorkflowNotFoundError);
    expect(billing.calls).toHaveLength(0);
  });

  it('runs each job once, `concurrency` at a time, and an idempotency key only once', async () => {
    await Promise.all(
      [100, 200, 300, 400].map((cents) => booted.scheduler.enqueueWorkflow('charge', { cents })),
    );
    const first = await booted.scheduler.enqueueWorkflow(
      'charge',
      { cents: 500 },
      { idempotencyKey: 'order-5' },
    );
    const second = await booted.scheduler.enqueueWorkflow(
      'charge',
      { cents: 500 },
      { idempotencyKey: 'order-5' },
    );
    expect(second).toEqual({ ...first, created: false });
    await waitFor(() => billing.calls.length === 5, 3_000, 'five charges');
    expect(billing.calls.map((c) => c.cents).sort()).toEqual([100, 200, 300, 400, 500]);
    expect(billing.maxRunning).toBe(2);
    expect(billing.calls.every((c) => c.provider === 'memory')).toBe(true);
  });

  it('retries a failing job, dead-letters it after its attempts, and retries it from the dead letters', async () => {
    billing.failFor.add(999);
    const { id } = await booted.scheduler.enqueueWorkflow('charge', { cents: 999 });
    await waitFor(
      async () => (await booted.scheduler.deadLetters('charge')).length === 1,
      3_000,
      'the dead letter',
    );
    expect(billing.calls.filter((c) => c.cents === 999)).toHaveLength(3);
    expect(booted.eventsOf('queue:charge', 'retrying')).toHaveLength(2);
    expect((await booted.scheduler.getJob('queue:charge')).declaredTier).toBe('queue');
    const [letter] = await booted.scheduler.deadLetters('charge');
    expect(letter).toMatchObject({
      id,
      workflow: 'charge',
      payload: { cents: 999 },
      attempts: 3,
      error: 'card declined for 999',
    });

    billing.failFor.delete(999);
    await booted.scheduler.retryDeadLetter(id);
    await waitFor(() => billing.calls.filter((c) => c.cents === 999).length === 4, 2_000, 'the retried run');
    expect(await booted.scheduler.deadLetters('charge')).toHaveLength(0);
    await expect(booted.scheduler.retryDeadLetter(id)).rejects.toThrow(DeadLetterNotFoundError);
  });
});
