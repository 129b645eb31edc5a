import type { CanActivate, Type } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { InvalidArgumentError } from '../errors/index.js';

/**
 * Decides whether a request may see the dashboard. Annotate `request` with your platform's type
 * (`(req: Request & { user?: User }) => …`): the parameter is checked bivariantly, like a method's.
 */
export type DashboardAuthorizeFunction = {
  authorize(request: IncomingMessage): boolean | Promise<boolean>;
}['authorize'];

/** Options of `HybridSchedulerDashboardModule.forRoot()`. */
export interface HybridSchedulerDashboardOptions {
  /** Where the page is served (default `/scheduler`); the app's global prefix applies. */
  path?: string;
  /**
   * Who may see and use the dashboard: a function of the request, or a Nest guard class (resolved in the
   * dashboard's module). Without it the dashboard answers only loopback clients (127.0.0.0/8, ::1).
   */
  authorize?: DashboardAuthorizeFunction | Type<CanActivate>;
  /** No buttons, and every action route answers 403 (default false). */
  readOnly?: boolean;
  /** Runs kept in memory per job for the runs table and chart (default 50, at most 10 000). */
  historySize?: number;
  /** Base URL of the Prefect UI for flow-run links (default: derived from the Prefect tier's `apiUrl`). */
  prefectUiUrl?: string;
}

export interface ResolvedDashboardOptions {
  path: string;
  authorizeFunction: DashboardAuthorizeFunction | null;
  guard: Type<CanActivate> | null;
  readOnly: boolean;
  historySize: number;
  prefectUiUrl: string | null;
}

const METHOD = 'HybridSchedulerDashboardModule.forRoot';
export const DEFAULT_DASHBOARD_PATH = '/scheduler';
export const DEFAULT_HISTORY_SIZE = 50;
const MAX_HISTORY_SIZE = 10_000;

const isGuardClass = (value: unknown): value is Type<CanActivate> =>
  typeof value === 'function' &&
  typeof (value as { prototype?: { canActivate?: unknown } }).prototype?.canActivate === 'function';

/** Defaults applied and every option checked; a wrong one throws `InvalidArgumentError` naming it. */
export function resolveDashboardOptions(
  options: HybridSchedulerDashboardOptions = {},
): ResolvedDashboardOptions {
  const path = options.path ?? DEFAULT_DASHBOARD_PATH;
  if (typeof path !== 'string' || !/^\/[A-Za-z0-9/_.~-]*$/.test(path))
    throw new InvalidArgumentError(
      METHOD,
      'path',
      path,
      'a path starting with "/" (letters, digits, / _ . ~ -)',
    );
  const historySize = options.historySize ?? DEFAULT_HISTORY_SIZE;
  if (!Number.isInteger(historySize) || historySize < 1 || historySize > MAX_HISTORY_SIZE)
    throw new InvalidArgumentError(
      METHOD,
      'historySize',
      historySize,
      `an integer from 1 to ${MAX_HISTORY_SIZE}`,
    );
  const { authorize } = options;
  if (authorize !== undefined && typeof authorize !== 'function')
    throw new InvalidArgumentError(METHOD, 'authorize', authorize, 'a function or a Nest guard class');
  if (options.prefectUiUrl !== undefined && !/^https?:\/\//.test(options.prefectUiUrl))
    throw new InvalidArgumentError(METHOD, 'prefectUiUrl', options.prefectUiUrl, 'an http(s) URL');
  return {
    path: path.length > 1 ? path.replace(/\/+$/, '') : path,
    guard: isGuardClass(authorize) ? authorize : null,
    authorizeFunction: authorize && !isGuardClass(authorize) ? authorize : null,
    readOnly: options.readOnly === true,
    historySize,
    prefectUiUrl: options.prefectUiUrl?.replace(/\/+$/, '') ?? null,
  };
}
