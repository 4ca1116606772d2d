import type { ServerResponse } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { GatewayError, errorBody } from '../../errors.js';
import { normalizeOrigin } from '../../util/origin.js';
import { header } from '../headers.js';

/** Headers a browser client may send and read once its origin is configured. */
const ALLOW_HEADERS = 'authorization, content-type, x-api-key, anthropic-version, anthropic-beta, x-inferoute-strategy, x-inferoute-fallback';
const EXPOSE_HEADERS = 'x-request-id, x-inferoute-request-id, x-inferoute-provider, x-inferoute-attempts, x-inferoute-latency-ms, retry-after';

/**
 * Refuses any request that carries an `Origin` not configured in server.cors_origins
 * (`null` included: sandboxed frames and file:// pages send it). Only browsers send
 * Origin; SDKs and CLIs do not. A page that stole or guessed a key must not be able to
 * spend it from a visitor's browser, and without CORS a "simple" POST still reaches the
 * server even though the page cannot read the answer. Configured origins get CORS for
 * themselves only, never `*`.
 */
export const originGuard = (allowedOrigins: () => readonly string[]) =>
  async function originGuard(c: Parameters<MiddlewareHandler>[0], next: Parameters<MiddlewareHandler>[1]) {
    const origin = header(c, 'origin');
    if (origin === undefined) return next();
    const normalized = normalizeOrigin(origin.trim());
    const allowed = normalized !== undefined && allowedOrigins().some((o) => normalizeOrigin(o) === normalized);
    if (!allowed) {
      const shown = JSON.stringify(origin.length > 100 ? `${origin.slice(0, 100)}…` : origin);
      const err = new GatewayError('forbidden_origin', `Origin ${shown} is not allowed: browsers may call TokenHub only from origins in server.cors_origins`);
      return c.body(errorBody(err), 403, { 'content-type': 'application/json', vary: 'Origin' });
    }
    const cors = { 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-expose-headers': EXPOSE_HEADERS };
    if (c.req.method === 'OPTIONS' && header(c, 'access-control-request-method') !== undefined) {
      return c.body(null, 204, {
        ...cors,
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': ALLOW_HEADERS,
        'access-control-max-age': '600',
      });
    }
    // Under Node, on the socket's response before anything is written: streams write their own head.
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    if (outgoing) for (const [k, v] of Object.entries(cors)) outgoing.setHeader(k, v);
    await next();
    if (!outgoing) for (const [k, v] of Object.entries(cors)) c.res.headers.set(k, v);
  };
