import { Injectable, Module, type Type } from '@nestjs/common';
import { IsInt, IsString, Min, MinLength } from 'class-validator';
import {
  HybridSchedulerModule,
  QueuedWorkflow,
  type HybridSchedulerModuleOptions,
  type QueueTierOptions,
  type WorkflowContext,
} from 'nestjs-hybrid-scheduler';
import { bootApp, type BootedApp } from '../../support/nest-app.js';

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
  scheduledAt: number;
  at: number;
  payloadIsDto?: boolean;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Workflows whose handlers record every call, so that cases assert what ran, when, how often and how. */
@Injectable()
export class ConformanceWorkflows {
  runs: Run[] = [];
  healed = false;
  running = 0;
  maxRunning = 0;

  private record(workflow: string, payload: unknown, ctx: WorkflowContext, extra: Partial<Run> = {}): void {
    this.runs.push({
      workflow,
      payload,
      attempt: ctx.attempt,
      maxAttempts: ctx.maxAttempts,
      jobKey: ctx.jobKey,
      runId: ctx.runId,
      provider: ctx.provider,
      scheduledAt: ctx.scheduledAt.getTime(),
      at: Date.now(),
      ...extra,
    });
  }

  runsOf(workflow: string): Run[] {
    return this.runs.filter((r) => r.workflow === workflow);
  }

  @QueuedWorkflow({ name: 'echo', concurrency: 4 })
  echo(payload: unknown, ctx: WorkflowContext) {
    this.record('echo', payload, ctx);
  }

  /** Backoff 150 ms, doubled, capped at 250 ms: retries after 150 then 250 ms. */
  @QueuedWorkflow({
    name: 'flaky',
    attempts: 3,
    backoff: { type: 'exponential', delayMs: 150, maxDelayMs: 250 },
  })
  flaky(payload: { id: string }, ctx: WorkflowContext) {
    this.record('flaky', payload, ctx);
    if (!this.healed) throw new Error(`downstream unavailable for ${payload.id}`);
  }

  @QueuedWorkflow({ name: 'validated', payload: OrderDto })
  validated(payload: OrderDto, ctx: WorkflowContext) {
    this.record('validated', payload, ctx, { payloadIsDto: payload instanceof OrderDto });
  }

  /** At most 2 at a time in this process; each run takes 200 ms. */
  @QueuedWorkflow({ name: 'limited', concurrency: 2 })
  async limited(payload: unknown, ctx: WorkflowContext) {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.record('limited', payload, ctx);
    await pause(200);
    this.running--;
  }

  /** At most 2 starts per second. */
  @QueuedWorkflow({ name: 'rated', concurrency: 10, rateLimit: { max: 2, durationMs: 1000 } })
  rated(payload: unknown, ctx: WorkflowContext) {
    this.record('rated', payload, ctx);
  }

  /** One at a time, so the order of waiting jobs shows. */
  @QueuedWorkflow({ name: 'ordered', concurrency: 1 })
  ordered(payload: unknown, ctx: WorkflowContext) {
    this.record('ordered', payload, ctx);
  }

  @QueuedWorkflow({ name: 'ticker', every: 500, schedulePayload: { source: 'schedule' } })
  ticker(payload: unknown, ctx: WorkflowContext) {
    this.record('ticker', payload, ctx);
  }
}

/** Recurring workflows for the missed-ticks case. */
@Injectable()
export class LateWorkflows {
  runs: Run[] = [];

  @QueuedWorkflow({ name: 'late-skip', every: 400 })
  skip(payload: unknown, ctx: WorkflowContext) {
    this.runs.push(runOf('late-skip', payload, ctx));
  }

  @QueuedWorkflow({ name: 'late-once', every: 400, catchUp: 'once' })
  once(payload: unknown, ctx: WorkflowContext) {
    this.runs.push(runOf('late-once', payload, ctx));
  }
}

const runOf = (workflow: string, payload: unknown, ctx: WorkflowContext): Run => ({
  workflow,
  payload,
  attempt: ctx.attempt,
  maxAttempts: ctx.maxAttempts,
  jobKey: ctx.jobKey,
  runId: ctx.runId,
  provider: ctx.provider,
  scheduledAt: ctx.scheduledAt.getTime(),
  at: Date.now(),
});

/** An app with `providers` on the given queue options (fallback: fail, so a broken engine fails the boot). */
export function conformanceModule(
  queue: QueueTierOptions,
  providers: Type<unknown>[] = [ConformanceWorkflows],
  extra: Partial<HybridSchedulerModuleOptions> = {},
): Type<unknown> {
  @Module({
    imports: [HybridSchedulerModule.forRoot({ fallback: 'fail', ...extra, queue })],
    providers,
  })
  class ConformanceModule {}
  return ConformanceModule;
}

/** Boots the standard conformance app and returns it with its recording workflows. */
export async function bootConformanceApp(
  queue: QueueTierOptions,
): Promise<{ booted: BootedApp; workflows: ConformanceWorkflows }> {
  const booted = await bootApp(conformanceModule(queue));
  return { booted, workflows: booted.app.get(ConformanceWorkflows) };
}
