import type { MiddlewareHandler } from 'hono';
import { GatewayError, errorBody } from '../../errors.js';
import { HOPS_HEADER, MAX_HOPS, inboundHops, parseHops } from '../../upstream/hops.js';
import { header } from '../headers.js';

/** Refuses a request that already passed through this daemon (see upstream/hops.ts); carries the chain of any other. */
export const loopGuard = (ownId: string) =>
  async function loopGuard(c: Parameters<MiddlewareHandler>[0], next: Parameters<MiddlewareHandler>[1]) {
    const value = header(c, HOPS_HEADER);
    if (value === undefined) return next();
    const hops = parseHops(value);
    if (hops.includes(ownId) || hops.length >= MAX_HOPS) {
      const err = new GatewayError(
        'loop_detected',
        hops.includes(ownId)
          ? 'This request came back to the TokenHub that sent it: a provider base_url in config.yaml leads to TokenHub itself (directly or through another gateway)'
          : `This request passed through ${hops.length} TokenHub daemons: a provider base_url loop`,
      );
      return c.body(errorBody(err), 508, { 'content-type': 'application/json' });
    }
    return inboundHops.run(hops.slice(0, MAX_HOPS).join(','), next);
  };
