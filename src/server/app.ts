import { Hono } from 'hono';
import { errorBody, GatewayError } from '../errors.js';
import { hotRoutes, type HotDeps } from './hot.js';
import { errorResponse } from './respond.js';
import type { GatewayDeps } from '../gateway/pipeline.js';
import type { AppEnv } from './context.js';
import { adminAuth, keyAuth } from './middleware/auth.js';
import { hostGuard } from './middleware/host-guard.js';
import { originGuard } from './middleware/origin-guard.js';
import { loopGuard } from './middleware/loop-guard.js';
import { BodyBudget } from './body-budget.js';
import { requestContext } from './middleware/request-context.js';
import { anthropicErrors, messagesRoutes } from './routes/messages.js';
import { v1Routes } from './routes/v1.js';
import { responsesRoutes } from './routes/responses.js';
import type { ResponsesStore } from '../store/responses.js';
import { geminiErrors, geminiRoutes, isGeminiMethodPath } from './routes/gemini.js';

export interface AppDeps {
  gateway: GatewayDeps;
  adminToken: () => string;
  maxBodyBytes: () => number;
  /** request-body bytes held at once over all requests (server.max_buffered_mb); past it, 503 */
  maxBufferedBytes?: () => number;
  /** a request body must arrive within this (server.body_timeout_ms) */
  bodyTimeoutMs?: () => number;
  /** this daemon's id in x-tokenhub-hops: a request carrying it is its own traffic come back (upstream/hops.ts) */
  hopId?: string;
  allowedHosts: () => readonly string[];
  /** browser origins allowed to call (server.cors_origins); any other Origin header is refused */
  allowedOrigins?: () => readonly string[];
  version: string;
  /** Date.now() when the daemon started */
  startedAt: number;
  /** reloads keys if the key table changed; true when it did */
  refreshKeys?: () => boolean;
  /** keeps Responses API answers for previous_response_id and GET /v1/responses/{id} */
  responsesStore?: ResponsesStore;
  /** mounts routes under /admin (already behind the admin token) */
  adminRoutes?: (admin: Hono<AppEnv>) => void;
  /** mounts routes at the root with no auth (e.g. /metrics) */
  publicRoutes?: (app: Hono<AppEnv>) => void;
}

/** The Hono app, and its proxy POST routes for the hot path (hot.ts), sharing its body budget. */
export interface BuiltApp {
  app: Hono<AppEnv>;
  hot: HotDeps;
}

/** The daemon's HTTP surface. Pure wiring: every dependency comes in through `deps`. */
export function createApp(deps: AppDeps): BuiltApp {
  const app = new Hono<AppEnv>();

  app.onError((err) => errorResponse(err, deps.gateway.log));
  app.notFound((c) => {
    const e = new GatewayError('not_found', `Unknown endpoint ${c.req.method} ${c.req.path}`);
    return c.body(errorBody(e), 404, { 'content-type': 'application/json' });
  });

  app.use('*', hostGuard(deps.allowedHosts));
  app.use('*', originGuard(deps.allowedOrigins ?? (() => [])));
  if (deps.hopId) app.use('*', loopGuard(deps.hopId));
  const bodyLimits = {
    budget: new BodyBudget(() => Math.max(deps.maxBufferedBytes?.() ?? 64 * 1024 * 1024, deps.maxBodyBytes())),
    get timeoutMs() {
      return deps.bodyTimeoutMs?.() ?? 30_000;
    },
  };
  app.use('*', function withLog(c, next) {
    c.set('log', deps.gateway.log);
    c.set('bodyLimits', bodyLimits);
    return next();
  });

  app.get('/health', (c) =>
    c.json({ status: 'ok', version: deps.version, uptime_s: Math.round((Date.now() - deps.startedAt) / 1000) }),
  );
  deps.publicRoutes?.(app);

  // Before key auth, so its 401s reach Anthropic clients in Anthropic's shape.
  app.use('/v1/messages/*', anthropicErrors());
  app.use('/v1/models/*', geminiErrors(true));
  app.use('/v1/*', requestContext(), keyAuth(deps.gateway.keys, deps.refreshKeys, { queryKey: isGeminiMethodPath }));
  const hot = hotRoutes();
  const hotV1 = hot.under('/v1');
  app.route('/v1', v1Routes({ gateway: deps.gateway, maxBodyBytes: deps.maxBodyBytes }, hotV1));
  app.route('/v1', messagesRoutes({ gateway: deps.gateway, maxBodyBytes: deps.maxBodyBytes }, hotV1));
  app.route('/v1', responsesRoutes({ gateway: deps.gateway, maxBodyBytes: deps.maxBodyBytes, store: deps.responsesStore }, hotV1));
  // Gemini's API: /v1beta, and /v1 for the POST methods (GET /v1/models stays OpenAI's).
  app.use('/v1beta/*', geminiErrors(), requestContext(), keyAuth(deps.gateway.keys, deps.refreshKeys, { queryKey: () => true }));
  app.route('/v1beta', geminiRoutes({ gateway: deps.gateway, maxBodyBytes: deps.maxBodyBytes }, { listModels: true }, hot.under('/v1beta')));
  app.route('/v1', geminiRoutes({ gateway: deps.gateway, maxBodyBytes: deps.maxBodyBytes }, { listModels: false }, hotV1));

  const admin = new Hono<AppEnv>();
  admin.use('*', adminAuth(deps.adminToken));
  admin.get('/status', (c) => {
    const catalog = deps.gateway.catalog();
    return c.json({
      pid: process.pid,
      version: deps.version,
      started_at: new Date(deps.startedAt).toISOString(),
      uptime_s: Math.round((Date.now() - deps.startedAt) / 1000),
      providers: [...catalog.providers.keys()],
      models: catalog.entries.length,
      keys: deps.gateway.keys.size,
    });
  });
  deps.adminRoutes?.(admin);
  app.route('/admin', admin);
  return { app, hot: { gateway: deps.gateway, allowedHosts: deps.allowedHosts, bodyLimits, routes: hot.routes, prefixes: hot.prefixes } };
}
