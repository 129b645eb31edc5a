import { Injectable, Module, type Type } from '@nestjs/common';
import {
  HybridSchedulerModule,
  InternalTask,
  QueuedWorkflow,
  type HybridSchedulerModuleOptions,
} from 'nestjs-hybrid-scheduler';

/** Workflows whose outcomes the metrics tests count: one that succeeds, one that always fails, one held open. */
@Injectable()
export class MetricsWorkflows {
  ticks = 0;
  okRuns = 0;
  private releaseHeld: Array<() => void> = [];
  held = 0;
  private released = false;

  @InternalTask({ name: 'tick', every: 100 })
  tick() {
    this.ticks++;
  }

  @QueuedWorkflow({ name: 'ok' })
  async ok() {
    this.okRuns++;
  }

  @QueuedWorkflow({ name: 'boom', attempts: 2, backoff: { type: 'fixed', delayMs: 50 } })
  async boom() {
    throw new Error('boom');
  }

  @QueuedWorkflow({ name: 'held', concurrency: 1 })
  async hold() {
    this.held++;
    if (this.released) return;
    await new Promise<void>((resolve) => this.releaseHeld.push(resolve));
  }

  /** Lets every held run finish, and the ones after it run through. */
  release(): void {
    this.released = true;
    for (const resolve of this.releaseHeld.splice(0)) resolve();
  }
}

export function metricsTestModule(options: HybridSchedulerModuleOptions): Type<unknown> {
  @Module({ imports: [HybridSchedulerModule.forRoot(options)], providers: [MetricsWorkflows] })
  class MetricsTestModule {}
  return MetricsTestModule;
}
