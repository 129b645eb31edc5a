import { redact } from '../../common/redact.js';
import { HybridSchedulerError } from '../../errors/index.js';

const AUTH_HINT: Record<number, string> = {
  // "basic" must not be followed by a word: redact() would take "basic <word>" for a credential and mask it.
  401: ' Check prefect.apiKey (Prefect Cloud) or prefect.authString (a self-hosted server with HTTP basic-auth).',
  403: ' The credentials are valid but may not use this resource (work-pool names starting with "prefect" are reserved).',
};

/** Prefect answered with a status this tier cannot treat as success. Names the method, URL and status. */
export class PrefectApiError extends HybridSchedulerError {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly detail: string,
    message = `Prefect API ${method} ${url} answered ${status}${detail ? `: ${detail.replace(/\.$/, '')}` : ''}.${AUTH_HINT[status] ?? ''}`,
  ) {
    super(redact(message));
  }
}

/** Prefect answered 401: the API key (Cloud) or the basic-auth string (self-hosted) is wrong or missing. */
export class PrefectAuthError extends PrefectApiError {
  constructor(method: string, url: string, detail: string) {
    const answer = `${method} ${url} answered 401${detail ? ` (${detail})` : ''}`;
    super(method, url, 401, detail, `Prefect authentication failed: ${answer}.${AUTH_HINT[401]}`);
  }
}

/** Prefect could not be reached at all (connection refused, DNS, timeout). */
export class PrefectUnreachableError extends HybridSchedulerError {
  constructor(
    readonly method: string,
    readonly url: string,
    reason: string,
  ) {
    super(redact(`Prefect API ${method} ${url} is unreachable: ${reason}`));
  }
}

/** Reads the most useful part of a Prefect error body: `detail`, `exception_message` + details, or the text. */
export function errorDetail(text: string): string {
  try {
    const body = JSON.parse(text) as {
      detail?: unknown;
      exception_message?: unknown;
      exception_detail?: unknown;
    };
    const parts = [body.detail, body.exception_message, body.exception_detail]
      .filter((part) => part !== undefined && part !== null)
      .map((part) => (typeof part === 'string' ? part : JSON.stringify(part)));
    if (parts.length) return parts.join(' ').slice(0, 500);
  } catch {
    // not JSON
  }
  return text.slice(0, 500);
}

/**
 * Prefect no longer has the work pool (restarted on a fresh database, deleted in the UI): polls, heartbeats and
 * deployment writes naming it answer 404 until it is created again.
 */
export function isWorkPoolMissing(error: unknown): boolean {
  return error instanceof PrefectApiError && error.status === 404 && /work pool/i.test(error.detail);
}
