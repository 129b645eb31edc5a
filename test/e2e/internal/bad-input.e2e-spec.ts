import { Injectable, Module } from '@nestjs/common';
import { IsInt } from 'class-validator';
import {
  HybridSchedulerModule,
  InvalidArgumentError,
  InvalidEnqueueOptionsError,
  PayloadRequiredError,
  PayloadValidationError,
  QueuedWorkflow,
  type InternalTaskContext,
  type TaskCharacteristics,
} from 'nestjs-hybrid-scheduler';
import { bootApp, sleep, type BootedApp } from '../../support/nest-app.js';

class Invoice {
  @IsInt()
  id!: number;
}

@Injectable()
class Billing {
  runs: unknown[] = [];
  @QueuedWorkflow({ name: 'invoice', payload: Invoice })
  invoice(payload: Invoice) {
    this.runs.push(payload);
  }
}

@Module({
  imports: [HybridSchedulerModule.forRoot({ queue: { maxPayloadBytes: 1_000 } })],
  providers: [Billing],
})
class AppModule {}

/** Issue 9: bad input at the facade throws a typed error naming the argument and the value; nothing runs. */
describe('bad input at the facade', () => {
  let booted: BootedApp;
  beforeAll(async () => (booted = await bootApp(AppModule)));
  afterAll(async () => booted.close());

  it('names the argument and the value of a malformed dead letter id, options or handler', async () => {
    const { scheduler } = booted;
    await expect(scheduler.retryDeadLetter('bogus')).rejects.toThrow(InvalidArgumentError);
    await expect(scheduler.retryDeadLetter('bogus')).rejects.toThrow(
      /retryDeadLetter\(\): argument "id" = "bogus" is invalid: expected a dead letter id "queue:<workflow>:<job key>"/,
    );
    await expect(scheduler.retryDeadLetter(42 as unknown as string)).rejects.toThrow(/argument "id" = 42/);
    await expect(scheduler.enqueueWorkflow('invoice', { id: 1 }, null as never)).rejects.toThrow(
      /enqueueWorkflow\(\): argument "options" = null is invalid/,
    );
    expect(() => scheduler.classify(null as unknown as TaskCharacteristics)).toThrow(
      /classify\(\): argument "characteristics" = null/,
    );
    const nothing = null as unknown as (ctx: InternalTaskContext) => unknown;
    expect(() => scheduler.scheduleInternalTask('x', nothing, { every: 1000 })).toThrow(
      /scheduleInternalTask\(\): argument "handler" = null is invalid/,
    );
    expect(() => scheduler.scheduleInternalTask({ name: 'x', every: 1000 }, nothing)).toThrow(
      InvalidArgumentError,
    );
    expect((await scheduler.listJobs()).map((j) => j.id)).toEqual(['queue:invoice']);
  });

  it('caps delays at a documented limit and refuses payloads over maxPayloadBytes before enqueueing', async () => {
    const { scheduler } = booted;
    await expect(scheduler.enqueueWorkflow('invoice', { id: 1 }, { delayMs: 1e15 })).rejects.toThrow(
      InvalidEnqueueOptionsError,
    );
    await expect(scheduler.enqueueWorkflow('invoice', { id: 1 }, { delayMs: 1e15 })).rejects.toThrow(
      /"delayMs" = 1000000000000000 is invalid: at most 31536000000 \(365 days\)/,
    );
    const big = { id: 2, notes: 'x'.repeat(2_000) };
    await expect(scheduler.enqueueWorkflow('invoice', big)).rejects.toThrow(PayloadValidationError);
    await expect(scheduler.enqueueWorkflow('invoice', big)).rejects.toThrow(
      /payload is 2\d{3} bytes as JSON; the limit is 1000 bytes per task \(queue\.maxPayloadBytes\)/,
    );
    await sleep(100);
    expect(booted.app.get(Billing).runs).toEqual([]);
    expect((await scheduler.getJob('queue:invoice')).details).toMatchObject({ waiting: 0, delayed: 0 });
  });

  it('names a dynamic task as such in its errors', () => {
    expect(() =>
      booted.scheduler.scheduleInternalTask({ name: 'my-task', cron: 'whenever' }, () => undefined),
    ).toThrow(/^dynamic task my-task: option "cron" = "whenever" is invalid/);
  });

  it('says that an on-demand workflow with a required payload needs enqueueWorkflow, not trigger', async () => {
    await expect(booted.scheduler.trigger('queue:invoice')).rejects.toThrow(PayloadRequiredError);
    await expect(booted.scheduler.trigger('queue:invoice')).rejects.toThrow(
      /Workflow "invoice" needs a payload.*use enqueueWorkflow\("invoice", payload\)/,
    );
  });
});
