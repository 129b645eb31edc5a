import { Logger } from '@nestjs/common';
import { sleep } from '../../common/timers.js';
import { Slots } from '../../runner/slots.js';

const NEVER = new AbortController().signal;
import { redact, rememberSecrets } from '../../common/redact.js';
import { errorDetail, PrefectApiError, PrefectAuthError, PrefectUnreachableError } from './prefect.errors.js';

/** The API version the Python client 3.x announces; some orchestration rules key off it. */
export const PREFECT_API_VERSION = '0.8.4';
const USER_AGENT = `nestjs-hybrid-scheduler/0.1.0 (API ${PREFECT_API_VERSION})`;
/** Statuses Prefect (and Prefect Cloud's rate limiter) expects a client to retry. */
const RETRYABLE = new Set([408, 429, 502, 503]);
/** Also retried when the request is safe to repeat: a server struggling (a locked SQLite database) answers these. */
const RETRYABLE_IF_IDEMPOTENT = new Set([500, 504]);
/** Requests one client has in flight at once (a struggling server is not flooded). */
export const MAX_IN_FLIGHT = 8;

export interface PrefectHttpOptions {
  apiUrl: string;
  apiKey?: string;
  authString?: string;
  /** Per request (default 75000: longer than a SQLite-backed server's 60 s wait on a locked database). */
  timeoutMs?: number;
  /** Retries of a retryable answer or a network error (default 4). */
  retries?: number;
  /** First backoff delay; doubles on each retry, with jitter, capped at 10s (default 250). */
  backoffMs?: number;
  /** Requests in flight at once; the others wait their turn (default MAX_IN_FLIGHT). */
  maxInFlight?: number;
}

export interface RequestOptions {
  /** Statuses to return (as `{ status }`) instead of throwing, e.g. 404 or 409. */
  allow?: number[];
  /** Override the client's retry count (0 for a fast probe). */
  retries?: number;
  timeoutMs?: number;
  /** False for a POST that would duplicate work when a lost answer is retried. Default true. */
  idempotent?: boolean;
  /** Gives up (no more retries) when this aborts, e.g. on shutdown. */
  signal?: AbortSignal;
}

export interface PrefectResponse<T> {
  status: number;
  body: T;
}

/**
 * Plain REST calls to a Prefect 3 server or Prefect Cloud workspace over Node's fetch: auth, the API version
 * header, timeouts, and retries of 408/429/502/503 honouring `Retry-After`. Counts its requests (benchmarks).
 */
export class PrefectHttp {
  private readonly logger = new Logger('HybridScheduler:PrefectHttp');
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  /** Number of HTTP requests sent, retries included. */
  requestCount = 0;
  private readonly slots: Slots;

  constructor(private readonly options: PrefectHttpOptions) {
    this.baseUrl = options.apiUrl.replace(/\/+$/, '');
    this.slots = new Slots(options.maxInFlight ?? MAX_IN_FLIGHT);
    this.headers = {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'User-Agent': USER_AGENT,
      'X-PREFECT-API-VERSION': PREFECT_API_VERSION,
    };
    rememberSecrets(options.apiKey, options.authString, options.authString?.split(':').slice(1).join(':'));
    if (options.apiKey) this.headers.Authorization = `Bearer ${options.apiKey}`;
    else if (options.authString)
      this.headers.Authorization = `Basic ${Buffer.from(options.authString).toString('base64')}`;
  }

  get apiUrl(): string {
    return this.baseUrl;
  }

  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  get<T>(path: string, options?: RequestOptions): Promise<PrefectResponse<T>> {
    return this.request<T>('GET', path, undefined, options);
  }

  post<T>(path: string, body: unknown, options?: RequestOptions): Promise<PrefectResponse<T>> {
    return this.request<T>('POST', path, body, options);
  }

  patch<T = void>(path: string, body: unknown, options?: RequestOptions): Promise<PrefectResponse<T>> {
    return this.request<T>('PATCH', path, body, options);
  }

  delete(path: string, options?: RequestOptions): Promise<PrefectResponse<void>> {
    return this.request<void>('DELETE', path, undefined, options);
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<PrefectResponse<T>> {
    const url = this.url(path);
    const maxRetries = options.retries ?? this.options.retries ?? 4;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      const release = await this.slots.acquire(options.signal ?? NEVER).catch(() => {
        throw new PrefectUnreachableError(method, url, 'request abandoned');
      });
      try {
        this.requestCount++;
        const timeout = AbortSignal.timeout(options.timeoutMs ?? this.options.timeoutMs ?? 75_000);
        response = await fetch(url, {
          method,
          headers: this.headers,
          body: payload,
          signal: options.signal ? AbortSignal.any([timeout, options.signal]) : timeout,
        });
      } catch (error) {
        release();
        const reason = options.signal?.aborted ? 'request abandoned' : describeFetchError(error);
        if (attempt < maxRetries && options.idempotent !== false && !options.signal?.aborted) {
          if (await sleep(this.backoff(attempt), options.signal)) continue;
        }
        throw new PrefectUnreachableError(method, url, reason);
      }
      const wanted = response.ok || !!options.allow?.includes(response.status);
      let text: string;
      try {
        text = wanted ? await response.text() : await response.text().catch(() => '');
      } finally {
        release();
      }
      if (wanted) return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
      const retryable =
        RETRYABLE.has(response.status) ||
        (options.idempotent !== false && RETRYABLE_IF_IDEMPOTENT.has(response.status));
      if (retryable && attempt < maxRetries) {
        const delay = retryAfterMs(response.headers.get('retry-after')) ?? this.backoff(attempt);
        this.logger.warn(
          redact(
            `${method} ${url} answered ${response.status}; retrying in ${delay}ms (${attempt + 1}/${maxRetries})`,
          ),
        );
        if (await sleep(delay, options.signal)) continue;
      }
      if (response.status === 401) throw new PrefectAuthError(method, url, errorDetail(text));
      throw new PrefectApiError(method, url, response.status, errorDetail(text));
    }
  }

  private backoff(attempt: number): number {
    const base = (this.options.backoffMs ?? 250) * 2 ** attempt;
    return Math.min(10_000, Math.round(base * (0.7 + Math.random() * 0.6)));
  }
}

/** `Retry-After` as seconds or an HTTP date, capped at 60s; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.min(60_000, Math.max(0, Math.round(ms))) : undefined;
}

function describeFetchError(error: unknown): string {
  // Checked by shape, not instanceof: undici's errors may come from another realm (VM contexts, test runners).
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } } | null;
  if (e && typeof e === 'object') {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'request timed out';
    return e.cause?.code ?? e.cause?.message ?? e.message ?? String(error);
  }
  return String(error);
}
