import { redact } from '../common/redact.js';
import { show } from '../errors/messages.js';

/** A value as an option problem shows it: JSON-like and redacted (URL userinfo, passwords); secrets not at all. */
export function shown(value: unknown, secret = false): string {
  if (secret) return typeof value === 'string' ? `a secret of ${value.length} characters` : typeof value;
  // A string is redacted before show() may cut it: a cut could leave half a password unrecognized.
  return typeof value === 'string' ? show(redact(value)) : redact(show(value));
}
