import { isIPv4 } from 'node:net';

/**
 * Whether a socket's remote address is the machine itself: 127.0.0.0/8, ::1, or either mapped into IPv6
 * (`::ffff:127.0.0.1`). Headers such as X-Forwarded-For are never consulted: a client can write them.
 */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.toLowerCase().replace(/^::ffff:/, '');
  if (isIPv4(plain)) return plain.startsWith('127.');
  return plain === '::1' || plain === '0:0:0:0:0:0:0:1';
}
