import { redact } from '../common/redact.js';

/** A value as an option problem shows it: JSON-like and redacted (URL userinfo, passwords); secrets not at all. */
export function shown(value: unknown, secret = false): string {
  if (secret) return typeof value === 'string' ? `a secret of ${value.length} characters` : typeof value;
  if (value === undefined) return 'undefined';
  try {
    return redact(JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}
