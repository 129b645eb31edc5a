import { randomFillSync } from 'node:crypto';

/**
 * Job keys are UUIDv7 (RFC 9562: a 48-bit Unix ms timestamp, then 74 random bits), so a job's message id also
 * says when it was enqueued and the message needs no `x-hs-enqueued-at` header. Node's crypto has no v7; this
 * one is built like Node's randomUUID(): random bytes from a pool refilled 128 keys at a time, hex from a table,
 * and the timestamp part kept for the millisecond (a burst shares it).
 */
export function newJobKey(now: number): string {
  if (now !== prefixMs) {
    const time = now.toString(16).padStart(12, '0');
    prefix = `${time.slice(0, 8)}-${time.slice(8)}-`;
    prefixMs = now;
  }
  if (used === POOL_KEYS) {
    randomFillSync(pool);
    used = 0;
  }
  const r = used++ * 10;
  return (
    prefix +
    HEX[0x70 | (pool[r] & 0x0f)] + // version 7
    HEX[pool[r + 1]] +
    '-' +
    HEX[0x80 | (pool[r + 2] & 0x3f)] + // variant 10xx
    HEX[pool[r + 3]] +
    '-' +
    HEX[pool[r + 4]] +
    HEX[pool[r + 5]] +
    HEX[pool[r + 6]] +
    HEX[pool[r + 7]] +
    HEX[pool[r + 8]] +
    HEX[pool[r + 9]]
  );
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** Random bytes for the next keys: 10 per key (the 80 bits after the timestamp). */
const POOL_KEYS = 128;
const pool = Buffer.alloc(10 * POOL_KEYS);
let used = POOL_KEYS;
let prefixMs = -1;
let prefix = '';

/** When a job with this key was enqueued: the timestamp of a UUIDv7 key, undefined for any other id. */
export function enqueuedAtOfKey(jobKey: string | undefined): number | undefined {
  if (jobKey?.length !== 36 || jobKey[8] !== '-' || jobKey[13] !== '-' || jobKey[14] !== '7')
    return undefined;
  if (jobKey[18] !== '-' || jobKey[23] !== '-' || !'89abAB'.includes(jobKey[19])) return undefined;
  let ms = 0;
  for (let i = 0; i < 13; i++) {
    if (i === 8) continue;
    const digit = hexDigit(jobKey.charCodeAt(i));
    if (digit < 0) return undefined;
    ms = ms * 16 + digit;
  }
  return ms;
}

/** 0–15 for a hex digit's char code, -1 for anything else. */
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48; // 0-9
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1; // a-f, A-F
}
