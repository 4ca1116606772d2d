import type { Context, Next } from 'hono';
import { randomBase62 } from '../../keys/format.js';
import type { AppEnv } from '../context.js';

export const newRequestId = (): string => 'req_' + randomBase62(20);

/**
 * Gives every request an id and, on the way out, the X-Inferoute-Request-Id,
 * x-request-id and X-Inferoute-Latency-Ms headers (for streams: time to headers).
 */
export const requestContext = () =>
  async function requestContext(c: Context<AppEnv>, next: Next) {
    const startedAt = performance.now();
    const id = newRequestId();
    c.set('requestId', id);
    c.set('startedAt', startedAt);
    await next();
    const h = c.res.headers;
    h.set('x-inferoute-request-id', id);
    h.set('x-request-id', id);
    h.set('x-inferoute-latency-ms', (performance.now() - startedAt).toFixed(2));
  };
