import { Module, type DynamicModule } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { HybridSchedulerHealthModule } from '../health/hybrid-scheduler-health.module.js';
import { DashboardAccessGuard } from './dashboard-access.guard.js';
import { DashboardBoot } from './dashboard-boot.js';
import { DASHBOARD_ACTION_TOKEN, DASHBOARD_OPTIONS } from './dashboard.constants.js';
import { dashboardController } from './dashboard.controller.js';
import {
  resolveDashboardOptions,
  type HybridSchedulerDashboardOptions,
  type ResolvedDashboardOptions,
} from './dashboard.options.js';
import { DashboardView } from './dashboard.view.js';
import { RunHistory } from './run-history.js';

/**
 * One live page for every job of every tier: import next to `HybridSchedulerModule`. Needs `@nestjs/terminus`
 * (the tiers' health comes from `HybridSchedulerHealthIndicator`) and the Express platform.
 *
 * @example HybridSchedulerDashboardModule.forRoot({ path: '/scheduler', authorize: (req) => isOps(req) })
 */
@Module({})
export class HybridSchedulerDashboardModule {
  static forRoot(
    options: HybridSchedulerDashboardOptions & Pick<DynamicModule, 'imports'> = {},
  ): DynamicModule {
    const { imports = [], ...rest } = options;
    const resolved = resolveDashboardOptions(rest);
    return {
      module: HybridSchedulerDashboardModule,
      imports: [HybridSchedulerHealthModule, ...imports],
      controllers: [dashboardController(resolved)],
      providers: [
        { provide: DASHBOARD_OPTIONS, useValue: resolved },
        // One per app: the page carries it, a cross-site page cannot read it.
        { provide: DASHBOARD_ACTION_TOKEN, useFactory: () => randomBytes(32).toString('base64url') },
        {
          provide: RunHistory,
          useFactory: (o: ResolvedDashboardOptions) => new RunHistory(o.historySize),
          inject: [DASHBOARD_OPTIONS],
        },
        DashboardView,
        DashboardAccessGuard,
        DashboardBoot,
      ],
    };
  }
}
