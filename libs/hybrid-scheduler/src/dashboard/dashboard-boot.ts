import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { ReplaySubject } from 'rxjs';
import { HybridScheduler } from '../hybrid-scheduler.service.js';
import { DASHBOARD_OPTIONS } from './dashboard.constants.js';
import type { ResolvedDashboardOptions } from './dashboard.options.js';
import { RunHistory } from './run-history.js';

/**
 * Feeds the run history from the job events (from module init, before any tier starts), says at boot who may
 * open the page, and ends the open event streams when the app closes.
 */
@Injectable()
export class DashboardBoot implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('HybridSchedulerDashboard');
  private unsubscribe: (() => void) | null = null;
  /**
   * Emits when the app closes: open event streams end, so that the HTTP server can close. Replayed to streams
   * opened later: the server still answers while the tiers drain, and a browser reconnects at once.
   */
  readonly closing$ = new ReplaySubject<void>(1);

  constructor(
    private readonly scheduler: HybridScheduler,
    private readonly history: RunHistory,
    @Inject(DASHBOARD_OPTIONS) private readonly options: ResolvedDashboardOptions,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.scheduler.onJobEvent((event) => this.history.record(event));
  }

  onApplicationBootstrap(): void {
    const { path, readOnly, historySize } = this.options;
    const who =
      this.options.authorizeFunction || this.options.guard
        ? 'answers requests that `authorize` accepts'
        : 'answers only loopback clients (127.0.0.0/8, ::1) because no `authorize` function or guard was given';
    this.logger.log(
      `Dashboard at ${path} ${who}; ${readOnly ? 'read-only' : 'actions enabled'}; ${historySize} runs kept per job`,
    );
  }

  onModuleDestroy(): void {
    this.closing$.next();
    this.closing$.complete();
    this.unsubscribe?.();
  }
}
