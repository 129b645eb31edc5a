import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HybridScheduler } from 'nestjs-hybrid-scheduler';

/**
 * Logs what the library reports only as events: each retry of a queued workflow (the library logs a job's
 * last failure and its dead-lettering itself), so `simulateOutage` shows its retries at the default level.
 */
@Injectable()
export class JobEventsLogger implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('JobEvents');
  private unsubscribe?: () => void;

  constructor(private readonly scheduler: HybridScheduler) {}

  onModuleInit(): void {
    this.unsubscribe = this.scheduler.onJobEvent(
      (event) => this.logger.warn(`${event.runId ?? event.jobId}: ${event.reason ?? 'retrying'}`),
      ['retrying'],
    );
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }
}
