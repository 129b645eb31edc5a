import { Inject, Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { redactedMessage } from '../common/redact.js';
import { isLoopbackAddress } from './client-address.js';
import { ACTION_TOKEN_HEADER, DASHBOARD_ACTION_TOKEN, DASHBOARD_OPTIONS } from './dashboard.constants.js';
import type { ResolvedDashboardOptions } from './dashboard.options.js';

const header = (request: IncomingMessage, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const sameToken = (given: string | undefined, expected: string): boolean => {
  if (!given) return false;
  const [a, b] = [Buffer.from(given), Buffer.from(expected)];
  return a.length === b.length && timingSafeEqual(a, b);
};

/** The request's Origin names this host (the browser sets Origin on every POST it sends). */
const sameOrigin = (request: IncomingMessage): boolean => {
  const origin = header(request, 'origin');
  const host = header(request, 'host');
  if (!origin || !host) return false;
  const site = header(request, 'sec-fetch-site');
  if (site && site !== 'same-origin') return false;
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
};

/**
 * Who may use the dashboard: the `authorize` function if given; else, unless a guard class was given (it runs
 * before this one), loopback clients only. Every POST (an action) is refused when `readOnly`, and needs a
 * same-origin `Origin` and the page's action token. A refusal is a 403.
 */
@Injectable()
export class DashboardAccessGuard implements CanActivate {
  private readonly logger = new Logger('HybridSchedulerDashboard');

  constructor(
    @Inject(DASHBOARD_OPTIONS) private readonly options: ResolvedDashboardOptions,
    @Inject(DASHBOARD_ACTION_TOKEN) private readonly token: string,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<IncomingMessage>();
    if (!(await this.allowed(request))) return false;
    if (request.method !== 'POST') return true;
    if (this.options.readOnly) return false;
    return sameOrigin(request) && sameToken(header(request, ACTION_TOKEN_HEADER), this.token);
  }

  private async allowed(request: IncomingMessage): Promise<boolean> {
    if (this.options.authorizeFunction) {
      try {
        return (await this.options.authorizeFunction(request)) === true;
      } catch (error) {
        this.logger.warn(`authorize threw, request refused: ${redactedMessage(error)}`);
        return false;
      }
    }
    if (this.options.guard) return true;
    return isLoopbackAddress(request.socket?.remoteAddress);
  }
}
