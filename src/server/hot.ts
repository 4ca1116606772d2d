/**
 * The hot path: the proxy POST routes (/v1/chat/completions, /v1/completions,
 * /v1/embeddings, /v1/messages, /v1/responses) served from node:http in front of the
 * Hono app, with the same handlers, when nothing about the request needs the middleware
 * chain: a loopback Host, no Origin, no hops header, and a key that authenticates and
 * may be used from this address. Everything else (a refusal, CORS, a query string, every
 * other route) goes to Hono unchanged, which answers it as before.
 *
 * Hono's dispatch, its context and six middleware frames cost about a tenth of the
 * daemon's CPU per request (`node bench/ab.mjs`, CPU per request before → after: chat
 * 173 → 153 µs, messages to Anthropic 207 → 185, responses 202 → 178).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { GatewayDeps } from '../gateway/pipeline.js';
import type { ActiveKey } from '../keys/cache.js';
import { HOPS_HEADER } from '../upstream/hops.js';
import type { BodyLimits } from './body-budget.js';
import { NodeExchange, type Exchange } from './context.js';
import { clientAddress, keyHeader } from './middleware/auth.js';
import { hostAllowed } from './middleware/host-guard.js';
import { reshapeError, type ErrorShape } from './middleware/protocol-errors.js';
import { contextHeaders, newRequestId } from './middleware/request-context.js';
import { errorResponse } from './respond.js';

export interface HotRoute {
  handler: (c: Exchange) => Promise<Response>;
  /** the route's error envelope, as its protocolErrors middleware gives it under Hono */
  errors?: ErrorShape;
}

/** How a routes module hands its POST routes to the hot path (path relative to where it is mounted). */
export type HotRegister = (path: string, route: HotRoute) => void;

export interface HotDeps {
  gateway: GatewayDeps;
  allowedHosts: () => readonly string[];
  bodyLimits: BodyLimits;
  /** exact request path → route */
  routes: ReadonlyMap<string, HotRoute>;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** A node:http listener that serves the hot routes itself and hands every other request to `fallback` (Hono's). */
export function hotPath(deps: HotDeps, fallback: Listener): Listener {
  const { gateway, routes } = deps;
  return function hotPath(req, res) {
    const route = req.method === 'POST' ? routes.get(req.url!) : undefined;
    const h = req.headers;
    if (route === undefined || h.origin !== undefined || h[HOPS_HEADER] !== undefined || !hostAllowed(h.host, deps.allowedHosts)) {
      return fallback(req, res);
    }
    const c = new NodeExchange({ incoming: req, outgoing: res }, performance.now(), gateway.log, deps.bodyLimits);
    let key: ActiveKey;
    try {
      key = gateway.keys.authenticate(keyHeader(c));
    } catch {
      return fallback(req, res); // keyAuth answers it, after a reload of the key table if that finds the key
    }
    if (!key.allowsIp(clientAddress(c))) return fallback(req, res);
    c.key = key;
    c.requestId = newRequestId();
    void serve(route, c);
  };

  async function serve(route: HotRoute, c: NodeExchange): Promise<void> {
    let res: Response;
    try {
      res = await route.handler(c);
    } catch (err) {
      res = errorResponse(err, gateway.log);
    }
    if (res === RESPONSE_ALREADY_SENT) return;
    const { outgoing } = c.env;
    try {
      if (route.errors) res = (await reshapeError(route.errors, c, res)) ?? res;
      const headers: Record<string, string> = Object.fromEntries(res.headers);
      if (!c.contextHeadersSet) Object.assign(headers, contextHeaders(c));
      const body = Buffer.from(await res.arrayBuffer());
      headers['content-length'] = String(body.length);
      outgoing.writeHead(res.status, headers);
      outgoing.end(body);
    } catch (err) {
      gateway.log.error('writing an answer failed', { error: String(err) });
      outgoing.destroy();
    }
  }
}
