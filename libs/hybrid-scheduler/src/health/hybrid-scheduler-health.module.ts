import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HybridSchedulerHealthIndicator } from './hybrid-scheduler.health.js';

/** Import next to `HybridSchedulerModule` to inject `HybridSchedulerHealthIndicator` in a health controller. */
@Module({
  imports: [TerminusModule],
  providers: [HybridSchedulerHealthIndicator],
  exports: [HybridSchedulerHealthIndicator],
})
export class HybridSchedulerHealthModule {}
