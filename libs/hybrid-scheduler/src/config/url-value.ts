import { redactUrl } from '../common/redact.js';
import { shown } from './shown-value.js';

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/**
 * The URLs of a comma-separated list. Split only before a scheme: a comma in a password must not cut it in two,
 * or its first half would be shown as a URL without credentials.
 */
export const urlList = (value: string): string[] =>
  value.split(/,(?=\s*[a-z][a-z0-9+.-]*:\/\/)/i).map((part) => part.trim());

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
 * `alternative` is another accepted value, named first (`'from-bull-module'`).
 */
export function urlProblem(
  value: unknown,
  protocols: readonly string[],
  alternative?: string,
): string | undefined {
  const expected = `must be ${alternative ? `${alternative} or ` : ''}a URL starting with ${protocols
    .map((p) => `${p}://`)
    .join(' or ')}`;
  if (typeof value !== 'string') return expected;
  const scheme = SCHEME.exec(value.trim())?.[1]?.toLowerCase();
  if (scheme === undefined) return `${expected}; it has no scheme`;
  if (!protocols.includes(scheme)) return `${expected}; ${scheme}:// is the wrong scheme`;
  return URL.canParse(value.trim()) ? undefined : `${expected}; it does not parse as a URL`;
}
