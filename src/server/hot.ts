/**
 * The hot path: the proxy POST routes (/v1/chat/completions, /v1/completions,
 * /v1/embeddings, /v1/messages, /v1/responses, and Gemini's models/{model}:{method}
 * under /v1beta and /v1) served from node:http in front of the Hono app, with the same
 * handlers, when nothing about the request needs the middleware chain: a loopback Host,
 * no Origin, no hops header, and a key that authenticates and may be used from this
 * address. Everything else (a refusal, CORS, a query string on an OpenAI or Anthropic
 * route, a Gemini `?key=`, every other route) goes to Hono, which answers it as before.
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

/** The request's path and its query, as a route reads them (Hono's `c.req.path` and `c.req.query`). */
export interface RequestTarget {
  path: string;
  query(name: string): string | undefined;
}

export interface HotRoute {
  handler: (c: Exchange, target: RequestTarget) => Promise<Response>;
  /** the route's error envelope, as its protocolErrors middleware gives it under Hono */
  errors?: ErrorShape;
  /** for a route registered with `/*`: the paths under it it takes (default all) */
  accepts?(path: string): boolean;
}

/**
 * How a routes module hands its POST routes to the hot path (path relative to where it
 * is mounted). A path ending in `/*` takes every path under it, with a query string.
 */
export type HotRegister = (path: string, route: HotRoute) => void;

export interface HotDeps {
  gateway: GatewayDeps;
  allowedHosts: () => readonly string[];
  bodyLimits: BodyLimits;
  /** exact request path (no query) → route */
  routes: ReadonlyMap<string, HotRoute>;
  /** path prefix → route, for the paths under it the route `accepts` */
  prefixes: readonly { prefix: string; route: HotRoute }[];
}

const noQuery = () => undefined;

/**
 * The route for a request target, and the target as the route reads it; undefined for
 * anything Hono should see: no route, a `?key=` (keyAuth takes it), or a `%` in the
 * path (Hono decodes paths its own way: its answer stays the one the client gets).
 */
function match(deps: HotDeps, url: string): { route: HotRoute; target: RequestTarget } | undefined {
  const exact = deps.routes.get(url);
  if (exact) return { route: exact, target: { path: url, query: noQuery } };
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (path.includes('%')) return undefined;
  for (const p of deps.prefixes) {
    if (!path.startsWith(p.prefix) || (p.route.accepts && !p.route.accepts(path))) continue;
    const params = q < 0 ? undefined : new URLSearchParams(url.slice(q + 1));
    if (params?.has('key')) return undefined;
    return { route: p.route, target: { path, query: params ? (name) => params.get(name) ?? undefined : noQuery } };
  }
  return undefined;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Empty tables, and the register function for routes mounted at `mount` (createApp). */
export function hotRoutes(): Pick<HotDeps, 'routes' | 'prefixes'> & { under(mount: string): HotRegister } {
  const routes = new Map<string, HotRoute>();
  const prefixes: { prefix: string; route: HotRoute }[] = [];
  const under = (mount: string): HotRegister => (path, route) => {
    if (path.endsWith('/*')) prefixes.push({ prefix: mount + path.slice(0, -1), route });
    else routes.set(mount + path, route);
  };
  return { routes, prefixes, under };
}

/** A node:http listener that serves the hot routes itself and hands every other request to `fallback` (Hono's). */
export function hotPath(deps: HotDeps, fallback: Listener): Listener {
  const { gateway } = deps;
  return function hotPath(req, res) {
    const matched = req.method === 'POST' ? match(deps, req.url!) : undefined;
    const h = req.headers;
    if (matched === undefined || h.origin !== undefined || h[HOPS_HEADER] !== undefined || !hostAllowed(h.host, deps.allowedHosts)) {
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
    void serve(matched.route, matched.target, c);
  };

  async function serve(route: HotRoute, target: RequestTarget, c: NodeExchange): Promise<void> {
    let res: Response;
    try {
      res = await route.handler(c, target);
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
