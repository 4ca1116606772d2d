import { randomBytes } from 'node:crypto';
import type { Context, Next } from 'hono';
import type { AppEnv, Exchange } from '../context.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
let pool = Buffer.alloc(0);
let offset = 0;

/**
 * 20 base62 characters: 8 from the wall clock's milliseconds, then 12 from a pooled
 * random buffer (71 bits: unique, not secret, cheap). Time first, so the usage table's
 * primary-key index takes each new record at its right edge: with fully random ids every
 * insert touched another page of the index, ~2 page writes per request on the writer
 * thread (`strace -c` under `npm run bench`), and the cost grew with the table.
 */
export function newRequestId(now: number = Date.now()): string {
  if (offset + 12 > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  let time = '';
  for (let i = 0, t = now; i < 8; i++, t = Math.floor(t / 62)) time = BASE62[t % 62] + time;
  let id = 'req_' + time;
  for (let i = 0; i < 12; i++) id += BASE62[pool[offset + i]! % 62];
  offset += 12;
  return id;
}

/** The headers every /v1 response carries, for responses that set them themselves. */
export function contextHeaders(c: Exchange): Record<string, string> {
  const id = c.get('requestId');
  c.set('contextHeadersSet', true);
  return {
    'x-inferoute-request-id': id,
    'x-request-id': id,
    'x-inferoute-latency-ms': (performance.now() - c.get('startedAt')).toFixed(2),
  };
}

/**
 * Gives every request an id and, on the way out, the X-Inferoute-Request-Id,
 * x-request-id and X-Inferoute-Latency-Ms headers (for streams: time to headers).
 * The proxy routes put them in their responses directly (cheaper than editing the
 * response's headers afterwards); everything else (errors, /v1/models) gets them here.
 */
export const requestContext = () =>
  async function requestContext(c: Context<AppEnv>, next: Next) {
    c.set('requestId', newRequestId());
    c.set('startedAt', performance.now());
    await next();
    if (c.get('contextHeadersSet')) return;
    const h = c.res.headers;
    for (const [k, v] of Object.entries(contextHeaders(c))) h.set(k, v);
  };
