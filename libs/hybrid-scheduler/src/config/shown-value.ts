/** Removes `user:password@` from every URL in a text, so that no message or log carries credentials. */
export const redactUrl = (text: string): string => text.replace(/(\w[\w+.-]*:\/\/)[^/@\s]*@/g, '$1***@');

const SECRET_KEY = /pass|secret|token|key|auth|credential/i;

/** A value as a problem message shows it: JSON-like, URLs without credentials, secrets not at all. */
export function shown(value: unknown, secret = false): string {
  if (secret) return typeof value === 'string' ? `a secret of ${value.length} characters` : typeof value;
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(redactUrl(value));
  try {
    const json = JSON.stringify(value, (key, item: unknown) => (key && SECRET_KEY.test(key) ? '***' : item));
    return redactUrl(json ?? String(value));
  } catch {
    return String(value);
  }
}
