import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const KEY_PREFIX = 'sk-th-';
const KEY_BODY_LENGTH = 40;
const KEY_RE = /^sk-th-[0-9A-Za-z]{32,64}$/;

/** Unbiased base62 from the CSPRNG (rejection sampling over bytes < 248). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export const generateKey = (): string => KEY_PREFIX + randomBase62(KEY_BODY_LENGTH);
export const generateKeyId = (): string => 'key_' + randomBase62(12);
export const isWellFormedKey = (key: string): boolean => KEY_RE.test(key);
/** What `keys list` shows: enough to recognise a key, useless to use it. */
export const displayPrefix = (key: string): string => key.slice(0, KEY_PREFIX.length + 6);

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function constantTimeEqualHex(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
