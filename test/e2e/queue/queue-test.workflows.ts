import { Injectable, Module, type Type } from '@nestjs/common';
import { IsInt, IsString, Min, MinLength } from 'class-validator';
import {
  HybridSchedulerModule,
  QueuedWorkflow,
  type HybridSchedulerModuleOptions,
  type WorkflowContext,
} from 'nestjs-hybrid-scheduler';

export class OrderDto {
  @IsString() @MinLength(3) orderId!: string;
  @IsInt() @Min(1) quantity!: number;
}

export interface Run {
  workflow: string;
  payload: unknown;
  attempt: number;
  maxAttempts: number;
  jobKey: string;
  runId: string;
  provider: string;
  at: number;
  payloadIsDto?: boolean;
}

/** Workflows whose handlers record every call, so tests assert what ran, when, and how often. */
@Injectable()
export class TestWorkflows {
  runs: Run[] = [];
  healed = false;

  private record(workflow: string, payload: unknown, ctx: WorkflowContext, extra: Partial<Run> = {}): void {
    this.runs.push({
      workflow,
      payload,
      attempt: ctx.attempt,
      maxAttempts: ctx.maxAttempts,
      jobKey: ctx.jobKey,
      runId: ctx.runId,
      provider: ctx.provider,
      at: Date.now(),
      ...extra,
    });
  }

  runsOf(workflow: string): Run[] {
    return this.runs.filter((r) => r.workflow === workflow);
  }

  @QueuedWorkflow({ name: 'echo', concurrency: 4 })
  async echo(payload: unknown, ctx: WorkflowContext) {
    this.record('echo', payload, ctx);
  }

  @QueuedWorkflow({ name: 'flaky', attempts: 3, backoff: { type: 'exponential', delayMs: 150 } })
  async flaky(payload: { id: string }, ctx: WorkflowContext) {
    this.record('flaky', payload, ctx);
    if (!this.healed) throw new Error(`downstream unavailable for ${payload.id}`);
  }

  @QueuedWorkflow({ name: 'validated', payload: OrderDto })
  async validated(payload: OrderDto, ctx: WorkflowContext) {
    this.record('validated', payload, ctx, { payloadIsDto: payload instanceof OrderDto });
  }

  @QueuedWorkflow({ name: 'ticker', every: 500, schedulePayload: { source: 'schedule' } })
  async ticker(payload: unknown, ctx: WorkflowContext) {
    this.record('ticker', payload, ctx);
  }
}

/** An app module with the test workflows and the given scheduler options. */
export function queueTestModule(options: HybridSchedulerModuleOptions): Type<unknown> {
  @Module({ imports: [HybridSchedulerModule.forRoot(options)], providers: [TestWorkflows] })
  class QueueTestModule {}
  return QueueTestModule;
}
