import type { AppDeps } from '../server/app.js';
import type { Db } from '../store/db.js';
import { usageTotals } from '../store/usage.js';
import { MetricsAggregator } from './aggregate.js';
import { metricsAdminRoutes, prometheusRoutes } from './routes.js';

/**
 * Puts rolling metrics into a daemon: listens on the gateway's MetricsBus and mounts
 * `GET /admin/metrics` and `GET /metrics`, after whatever routes were mounted already.
 */
export function installMetrics(deps: AppDeps, opts: { db?: Db; now?: () => number } = {}): MetricsAggregator {
  const now = opts.now ?? Date.now;
  const metrics = new MetricsAggregator({
    now,
    // A restart keeps today's spend: it is in the usage table already.
    spendTodayUsd: opts.db ? usageTotals(opts.db, { since: startOfUtcDay(now()) }).costUsd : 0,
    knownProviders: () => deps.gateway.catalog().providers.keys(),
    // `top` and /metrics show the circuits the router obeys, not a copy rebuilt from events
    circuits: (provider) => deps.gateway.router.circuitOf(provider),
  });
  metrics.attach(deps.gateway.metrics);
  const admin = deps.adminRoutes;
  const mountAdmin = metricsAdminRoutes(metrics);
  deps.adminRoutes = (app) => {
    admin?.(app);
    mountAdmin(app);
  };
  const pub = deps.publicRoutes;
  const mountPrometheus = prometheusRoutes(metrics);
  deps.publicRoutes = (app) => {
    pub?.(app);
    mountPrometheus(app);
  };
  return metrics;
}

export function startOfUtcDay(ts: number): number {
  return ts - (ts % 86_400_000);
}
