import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { TierName } from '../interfaces/index.js';
import { SchedulerTiers } from '../lifecycle/scheduler-tiers.js';

/**
 * A @nestjs/terminus indicator per tier: `up`, `degraded` (serving on a fallback, reconnecting) or `down`.
 * It never throws, so a broken tier gives a 503 with details, not a 500.
 *
 * @example this.health.check([() => this.tiers.isHealthy('internal'), () => this.tiers.isHealthy('queue')])
 */
@Injectable()
export class HybridSchedulerHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly tiers: SchedulerTiers,
  ) {}

  async isHealthy(tier: TierName, key = `scheduler-${tier}`): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(key);
    const availability = this.tiers.availabilityOf(tier);
    if (!availability.available) {
      const configured = this.tiers.isConfigured(tier);
      // A tier nobody configured is not a failure; one that is configured but unreachable is degraded (fallback).
      return configured
        ? session.degraded({ configured, available: false, reason: availability.reason })
        : session.up({ configured: false, message: `${tier} tier not configured` });
    }
    try {
      const health = await this.tiers.named(tier).health();
      if (health.status === 'down') return session.down(health.details);
      if (health.status === 'degraded') return session.degraded(health.details);
      return session.up({ ...health.details, tierStatus: health.status });
    } catch (error) {
      return session.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
