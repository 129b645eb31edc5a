import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { HybridSchedulerHealthIndicator } from 'nestjs-hybrid-scheduler/health';

/** One indicator per tier: a tier that is not configured reports so and stays `up`. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly scheduler: HybridSchedulerHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.scheduler.isHealthy('internal'),
      () => this.scheduler.isHealthy('queue'),
      () => this.scheduler.isHealthy('prefect'),
    ]);
  }
}
