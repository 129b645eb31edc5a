import {
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  Injectable,
  Param,
  Post,
  Req,
  Sse,
  UseGuards,
  type CanActivate,
  type MessageEvent,
  type Type,
} from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { interval, map, merge, takeUntil, type Observable } from 'rxjs';
import { HybridScheduler } from '../hybrid-scheduler.service.js';
import { redact } from '../common/redact.js';
import { DashboardAccessGuard } from './dashboard-access.guard.js';
import { DashboardBoot } from './dashboard-boot.js';
import { answering } from './dashboard-errors.js';
import { DASHBOARD_ACTION_TOKEN, DASHBOARD_OPTIONS } from './dashboard.constants.js';
import type { ResolvedDashboardOptions } from './dashboard.options.js';
import { DashboardView } from './dashboard.view.js';
import { DASHBOARD_SCRIPT } from './page/dashboard.script.js';
import { DASHBOARD_STYLES } from './page/dashboard.styles.js';
import { CONTENT_SECURITY_POLICY, dashboardPage } from './page/dashboard.page.js';

const KEEPALIVE_MS = 15_000;

/** The page's own path as the browser asked for it (global prefix included), without query or trailing slash. */
const basePath = (request: IncomingMessage & { originalUrl?: string }): string =>
  (request.originalUrl ?? request.url ?? '/').split('?')[0].replace(/\/+$/, '');

/**
 * The dashboard's routes. The class is mounted by `dashboardController()` at the configured path with the
 * access guards, so that one app can choose its path without a global prefix.
 */
@Injectable()
export class DashboardController {
  constructor(
    private readonly scheduler: HybridScheduler,
    private readonly view: DashboardView,
    private readonly boot: DashboardBoot,
    @Inject(DASHBOARD_OPTIONS) private readonly options: ResolvedDashboardOptions,
    @Inject(DASHBOARD_ACTION_TOKEN) private readonly token: string,
  ) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  @Header('Cache-Control', 'no-store')
  @Header('X-Content-Type-Options', 'nosniff')
  @Header('X-Frame-Options', 'DENY')
  @Header('Referrer-Policy', 'same-origin')
  page(@Req() request: IncomingMessage): string {
    return dashboardPage({ base: basePath(request), token: this.token, readOnly: this.options.readOnly });
  }

  @Get('assets/dashboard.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  @Header('X-Content-Type-Options', 'nosniff')
  script(): string {
    return DASHBOARD_SCRIPT;
  }

  @Get('assets/dashboard.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'no-cache')
  @Header('X-Content-Type-Options', 'nosniff')
  styles(): string {
    return DASHBOARD_STYLES;
  }

  @Get('api/overview')
  @Header('Cache-Control', 'no-store')
  overview(): Promise<unknown> {
    return answering(() => this.view.overview());
  }

  @Get('api/jobs/:id')
  @Header('Cache-Control', 'no-store')
  job(@Param('id') id: string): Promise<unknown> {
    return answering(() => this.view.job(id));
  }

  /** Every job event as it happens (Server-Sent Events) and a keep-alive every 15 s, until the app closes. */
  @Sse('api/events')
  events(): Observable<MessageEvent> {
    const events = this.scheduler.events$.pipe(
      map((event) => ({
        type: 'job',
        data: {
          type: event.type,
          jobId: event.jobId,
          tier: event.tier,
          runId: event.runId ?? null,
          attempt: event.attempt ?? null,
          durationMs: event.durationMs ?? null,
          error: event.error ? redact(event.error.message) : null,
          reason: event.reason ? redact(event.reason) : null,
          at: event.at.toISOString(),
        },
      })),
    );
    const keepalive = interval(KEEPALIVE_MS).pipe(map(() => ({ type: 'keepalive', data: '' })));
    return merge(events, keepalive).pipe(takeUntil(this.boot.closing$));
  }

  @Post('api/jobs/:id/trigger')
  @HttpCode(200)
  trigger(@Param('id') id: string): Promise<unknown> {
    return answering(async () => {
      const result = await this.scheduler.trigger(id);
      return {
        jobId: result.jobId,
        status: result.status,
        runId: result.id ?? null,
        error: result.error ? redact(result.error) : null,
      };
    });
  }

  @Post('api/jobs/:id/pause')
  @HttpCode(200)
  pause(@Param('id') id: string): Promise<unknown> {
    return answering(async () => (await this.scheduler.pause(id), { jobId: id, paused: true }));
  }

  @Post('api/jobs/:id/resume')
  @HttpCode(200)
  resume(@Param('id') id: string): Promise<unknown> {
    return answering(async () => (await this.scheduler.resume(id), { jobId: id, paused: false }));
  }

  @Post('api/dead-letters/:id/retry')
  @HttpCode(200)
  retry(@Param('id') id: string): Promise<unknown> {
    return answering(async () => {
      const result = await this.scheduler.retryDeadLetter(id);
      return { id: result.id, workflow: result.workflow, created: result.created };
    });
  }

  @Post('api/workflows/:workflow/dead-letters/purge')
  @HttpCode(200)
  purge(@Param('workflow') workflow: string): Promise<unknown> {
    return answering(async () => ({ workflow, purged: await this.scheduler.purgeDeadLetters(workflow) }));
  }
}

/** `DashboardController` at `options.path`, behind the app's guard class (if any) and the access guard. */
export function dashboardController(options: ResolvedDashboardOptions): Type<DashboardController> {
  class HybridSchedulerDashboardController extends DashboardController {}
  const guards: Array<Type<CanActivate>> = options.guard
    ? [options.guard, DashboardAccessGuard]
    : [DashboardAccessGuard];
  Controller(options.path)(HybridSchedulerDashboardController);
  UseGuards(...guards)(HybridSchedulerDashboardController);
  return HybridSchedulerDashboardController;
}
