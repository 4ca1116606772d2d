import type { Hono } from 'hono';
import type { AppEnv } from '../server/context.js';
import type { MetricsAggregator } from './aggregate.js';
import { formatPrometheus } from './prometheus.js';

/** `GET /admin/metrics`: the snapshot `tokenhub top` polls. Mounted behind the admin token. */
export const metricsAdminRoutes = (metrics: MetricsAggregator) =>
  function mountMetricsAdmin(admin: Hono<AppEnv>): void {
    admin.get('/metrics', (c) => {
      c.header('cache-control', 'no-store');
      return c.json(metrics.snapshot());
    });
  };

/**
 * `GET /metrics`: Prometheus text. No auth, as scrapers expect; it carries provider and
 * model names and counts, never keys, key names or prompts.
 */
export const prometheusRoutes = (metrics: MetricsAggregator) =>
  function mountPrometheus(app: Hono<AppEnv>): void {
    app.get('/metrics', (c) =>
      c.body(formatPrometheus(metrics.snapshot(), metrics.rawCounters()), 200, {
        'content-type': 'text/plain; version=0.0.4; charset=utf-8',
        'cache-control': 'no-store',
      }),
    );
  };
