/**
 * One redaction for everything the library logs, reports in health or puts in an error message: userinfo
 * of any URL (`redis://user:pass@host` → `redis://***@host`), `Bearer`/`Basic` credentials, `password=`-like
 * fields, JWTs, and every secret value the engines registered with `rememberSecrets` (a Redis password given as an
 * option, a Prefect API key, …) wherever it appears.
 */
const MASK = '***';
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;
/** A JWT (an OIDC ID token), which some verifier errors quote whole. */
const JWT = /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
const AUTH_SCHEME = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const SECRET_FIELD =
  /(["']?\b(?:password|passwd|token|secret|api[_-]?key|auth[_-]?string|private[_-]?key|authorization|credentials?)\b["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;&}]+)/gi;
/** Shorter values would mask ordinary words; such a password should not be used anyway. */
const MIN_SECRET_LENGTH = 4;

const secrets = new Set<string>();

/**
 * Registers values that must never appear in output, with their URL-encoded and decoded forms. Kept for the
 * life of the process (an app may be created many times, e.g. by tests); the set stays small.
 */
export function rememberSecrets(...values: Array<string | undefined | null>): void {
  for (const value of values) {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) continue;
    secrets.add(value);
    secrets.add(encodeURIComponent(value));
    try {
      secrets.add(decodeURIComponent(value));
    } catch {
      // not URL-encoded: the raw value is enough
    }
  }
}

/** Registers the password of a URL such as `redis://user:pass@host`. */
export function rememberUrlSecrets(url: string): void {
  try {
    rememberSecrets(new URL(url).password);
  } catch {
    // not a URL: nothing to take from it
  }
}

/** `text` with every credential masked. */
export function redact(text: string): string {
  let out = text
    .replace(URL_USERINFO, `$1${MASK}@`)
    .replace(AUTH_SCHEME, `$1 ${MASK}`)
    .replace(JWT, MASK)
    .replace(SECRET_FIELD, `$1${MASK}`);
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(MASK);
  return out;
}

/** A URL scheme's name (RFC 3986), as a pattern source: the one rule every URL check here builds on. */
export const SCHEME_NAME = '[a-z][a-z0-9+.-]*';

/** A scheme and its separator, also the typos `redis//` and `http:/` (nothing else is taken for one). */
const URL_SCHEME = new RegExp(`^${SCHEME_NAME}(?:://?|//)`, 'i');

/**
 * A URL someone gave as an option, for a message: everything between its scheme and its last `@` masked, so its
 * credentials stay hidden also when the URL does not parse (`redis//user:pass@host`, a password with a `/`);
 * a host after an `@` in the path is masked too, which errs on the safe side.
 */
export function redactUrl(url: string): string {
  const scheme = URL_SCHEME.exec(url)?.[0] ?? '';
  const rest = url.slice(scheme.length);
  const at = rest.lastIndexOf('@');
  return redact(at < 0 ? url : `${scheme}${MASK}${rest.slice(at)}`);
}

/** The message of anything thrown, redacted. */
export const redactedMessage = (error: unknown): string =>
  redact(error instanceof Error ? error.message : String(error));

/** A copy of a JSON-like value (health details) with every string redacted. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item)) as T;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}
