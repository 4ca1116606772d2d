import { emptyGroup, type MetricsSnapshot, type ProviderStats, type RecentRequest } from '../../src/metrics/snapshot.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

function provider(name: string, over: Partial<ProviderStats>): ProviderStats {
  return {
    ...emptyGroup(name),
    circuit: 'closed',
    circuitSince: null,
    authFailed: false,
    failedAttempts: 0,
    recentLatencyMs: [],
    ...over,
  };
}

function recent(i: number, over: Partial<RecentRequest> = {}): RecentRequest {
  return {
    requestId: `req_${i}`,
    ts: T0 + 3_600_000 - i * 1000,
    keyId: 'key_1',
    keyName: 'laptop',
    requestedModel: 'gpt-4o-mini',
    provider: 'openai',
    servedModel: 'gpt-4o-mini',
    status: 200,
    errorCode: null,
    stream: true,
    attempts: 1,
    latencyMs: 420,
    ttfbMs: 180,
    promptTokens: 1200,
    completionTokens: 300,
    costUsd: 0.00036,
    ...over,
  };
}

const lat = (p50: number, p95: number) => ({ count: 10, avg: p50, p50, p95, p99: p95, max: p95 });

/** A daemon one hour in, with three providers: one healthy, one slower, one with its circuit open. */
export function fixtureSnapshot(): MetricsSnapshot {
  return {
    schema: 1,
    generatedAt: T0 + 3_600_000,
    startedAt: T0,
    uptimeMs: 3_600_000 + 65_000,
    latencyWindowMs: 300_000,
    day: '2026-01-15',
    spendTodayUsd: 1.2345,
    totals: { ...emptyGroup('all'), requests: 1000, errors: 12, errorRate: 0.012, rps1s: 4, rps60s: 2.5 },
    rpsSeries: Array.from({ length: 60 }, (_, i) => i % 10),
    providers: [
      provider('openai', { requests: 700, share: 0.7, latencyMs: lat(420, 1200), recentLatencyMs: [400, 420, 450, 800, 430, 410, 1200, 420] }),
      provider('anthropic', { requests: 250, share: 0.25, errors: 2, failedAttempts: 1, latencyMs: lat(650, 1900), recentLatencyMs: [600, 650, 700] }),
      provider('local-llama', { requests: 50, share: 0.05, errors: 10, circuit: 'open', circuitSince: T0, latencyMs: lat(2100, 9000) }),
    ],
    models: [
      { ...emptyGroup('gpt-4o-mini'), requests: 700, share: 0.7, costUsd: 0.9 },
      { ...emptyGroup('claude-3-5-haiku'), requests: 300, share: 0.3, costUsd: 0.3345 },
    ],
    keys: [{ ...emptyGroup('key_1'), keyId: 'key_1', keyName: 'laptop', requests: 1000, share: 1 }],
    recent: [
      recent(1),
      recent(2, { provider: 'anthropic', servedModel: 'claude-3-5-haiku', requestedModel: 'fast', attempts: 2, latencyMs: 1850, costUsd: 0.0021 }),
      recent(3, { provider: null, servedModel: null, status: 502, errorCode: 'upstream_unavailable', promptTokens: 0, completionTokens: 0, costUsd: null }),
      ...Array.from({ length: 20 }, (_, i) => recent(4 + i)),
    ],
  };
}

/** Polls until `check` passes; the generous deadline only stops a test that would hang (a loaded machine is slow, not wrong). */
export async function waitFor(check: () => boolean, what = 'condition'): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
