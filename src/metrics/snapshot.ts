import type { LatencySummary } from './histogram.js';

export type { LatencySummary } from './histogram.js';

/**
 * What the daemon knows about its traffic at one moment: served by `GET /admin/metrics`
 * and printed by `tokenhub top --once --json`. Plain JSON; times are epoch ms, durations
 * ms, money USD. Field names are a contract for scripts: add, don't rename.
 */
export interface MetricsSnapshot {
  /** bumped only when a field changes meaning or disappears */
  schema: 1;
  generatedAt: number;
  startedAt: number;
  uptimeMs: number;
  /** latency percentiles cover the last `latencyWindowMs` to twice that */
  latencyWindowMs: number;
  /** UTC day that `spendTodayUsd` belongs to, YYYY-MM-DD */
  day: string;
  spendTodayUsd: number;
  totals: GroupStats;
  /** requests per second over the last 60 s, oldest first, one entry per second */
  rpsSeries: number[];
  providers: ProviderStats[];
  models: GroupStats[];
  keys: KeyStats[];
  /** most recent finished requests, newest first */
  recent: RecentRequest[];
}

/** Counters for one provider, model, key, or all traffic. Counts are since the daemon started. */
export interface GroupStats {
  name: string;
  requests: number;
  /** finished with HTTP status >= 400 */
  errors: number;
  /** errors / requests, 0 when there were no requests */
  errorRate: number;
  /** error code (or the HTTP status when there was none) → count */
  errorsByCode: Record<string, number>;
  /** requests that needed more than one attempt */
  failovers: number;
  /** this group's requests / all requests, 0..1 */
  share: number;
  rps1s: number;
  rps60s: number;
  latencyMs: LatencySummary;
  ttfbMs: LatencySummary;
  tokens: TokenCounts;
  costUsd: number;
  /** served requests whose cost is unknown (no price configured) */
  unpriced: number;
  lastRequestAt: number | null;
}

export interface TokenCounts {
  prompt: number;
  completion: number;
  /** cache reads */
  cached: number;
  cacheWrite: number;
  /** a part of completion */
  reasoning: number;
  total: number;
}

export type CircuitState = 'closed' | 'half_open' | 'open';

export interface ProviderStats extends GroupStats {
  /** worst circuit state among this provider's circuits */
  circuit: CircuitState;
  circuitSince: number | null;
  /** the provider rejected its API key and has not served a request since */
  authFailed: boolean;
  /** attempts on this provider that failed and were retried on another candidate */
  failedAttempts: number;
  /** latencies of the most recent requests served here, oldest first (ms) */
  recentLatencyMs: number[];
}

export interface KeyStats extends GroupStats {
  keyId: string | null;
  keyName: string | null;
}

export interface RecentRequest {
  requestId: string;
  ts: number;
  keyId: string | null;
  keyName: string | null;
  requestedModel: string | null;
  provider: string | null;
  servedModel: string | null;
  status: number;
  errorCode: string | null;
  stream: boolean;
  attempts: number;
  latencyMs: number;
  ttfbMs: number | null;
  promptTokens: number;
  completionTokens: number;
  costUsd: number | null;
}

/** An empty snapshot, for a daemon that has seen no traffic and for tests. */
export function emptyGroup(name: string): GroupStats {
  const none: LatencySummary = { count: 0, avg: null, p50: null, p95: null, p99: null, max: null };
  return {
    name,
    requests: 0,
    errors: 0,
    errorRate: 0,
    errorsByCode: {},
    failovers: 0,
    share: 0,
    rps1s: 0,
    rps60s: 0,
    latencyMs: { ...none },
    ttfbMs: { ...none },
    tokens: { prompt: 0, completion: 0, cached: 0, cacheWrite: 0, reasoning: 0, total: 0 },
    costUsd: 0,
    unpriced: 0,
    lastRequestAt: null,
  };
}
