import { redactUrl, SCHEME_NAME } from '../common/redact.js';
import { shown } from './shown-value.js';

const SCHEME = new RegExp(`^(${SCHEME_NAME})://`, 'i');

/**
 * Where a comma starts the next entry of a list: before a scheme, or before a bare `host[:port]` up to the next
 * comma (a bare entry has no `@` or `/`). A comma inside a URL's password never matches, so its first half is
 * never shown as a URL without credentials.
 */
const NEXT_ENTRY = new RegExp(`,(?=\\s*(?:${SCHEME_NAME}://|[^\\s,@/]+\\s*(?:,|$)))`, 'i');

/** A bare `host:port` (or `host`, `[::1]:4222`): no scheme, no credentials, no path. */
const BARE_HOST = /^[^\s,@/]+$/;

/** The entries of a URL list: an array as given, or a string split at the commas between entries. */
export const urlList = (value: string | readonly string[]): string[] =>
  (typeof value === 'string' ? value.split(NEXT_ENTRY) : value)
    .map((part) => part.trim())
    .filter((part) => part !== '');

/** A URL option's value (or list of URLs) as a message shows it: quoted, credentials masked even if unparsable. */
export const shownUrl = (value: unknown): string =>
  typeof value === 'string'
    ? JSON.stringify(redactUrl(value))
    : Array.isArray(value) && value.every((part) => typeof part === 'string')
      ? JSON.stringify(value.map(redactUrl).join(','))
      : shown(value);

/**
 * Why `value` is not a URL with one of `protocols`, naming the scheme it has instead (`http://` given where
 * `nats://` is wanted), or undefined. The value itself is never in the problem: the caller shows it redacted.
 * `alternative` is another accepted value, named first (`'from-bull-module'`); with `bare`, a `host:port`
 * without scheme is accepted as `<bare>://host:port` (the NATS client's rule).
 */
export function urlProblem(
  value: unknown,
  protocols: readonly string[],
  alternative?: string,
  bare?: string,
): string | undefined {
  const expected = `must be ${alternative ? `${alternative} or ` : ''}a URL starting with ${protocols
    .map((p) => `${p}://`)
    .join(' or ')}${bare ? ' or a host:port' : ''}`;
  if (typeof value !== 'string') return expected;
  const text = value.trim();
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (bare && BARE_HOST.test(text) && URL.canParse(`${bare}://${text}`)) return undefined;
    if (bare && text.includes('@'))
      return `${expected}; credentials need the scheme (${bare}://user:pass@host)`;
    return `${expected}; it has no scheme`;
  }
  if (!protocols.includes(scheme)) return `${expected}; ${scheme}:// is the wrong scheme`;
  return URL.canParse(text) ? undefined : `${expected}; it does not parse as a URL`;
}
