import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsBus } from '../../src/metrics/bus.js';
import { MetricsAggregator } from '../../src/metrics/aggregate.js';
import { DEFAULT_HEALTH, RouterHealth } from '../../src/router/health.js';
import { target } from '../router/targets.js';
import { fakeClock, requestEvent } from './events.js';

function traffic() {
  const clock = fakeClock();
  const agg = new MetricsAggregator({ now: clock.now, providers: ['alpha', 'beta', 'gamma'] });
  const bus = new MetricsBus();
  agg.attach(bus);
  clock.advance(10_000);
  for (let i = 0; i < 6; i++) bus.request(requestEvent({ provider: 'alpha', latencyMs: 100 + i * 10, costUsd: 0.01 }));
  bus.request(requestEvent({ provider: 'beta', servedModel: 'claude-haiku', latencyMs: 400, costUsd: 0.02, keyId: 'key_2', keyName: 'ci' }));
  // alpha failed with 503, beta served: a failover
  bus.request(
    requestEvent({
      provider: 'beta',
      servedModel: 'claude-haiku',
      latencyMs: 900,
      costUsd: null,
      attempts: [
        { provider: 'alpha', model: 'gpt-4o-mini', status: 503, ms: 300 },
        { provider: 'beta', model: 'claude-haiku', status: 200, ms: 600 },
      ],
    }),
  );
  bus.request(requestEvent({ provider: 'beta', status: 429, errorCode: 'rate_limited', costUsd: null, promptTokens: 0, completionTokens: 0 }));
  bus.request(requestEvent({ provider: null, servedModel: null, status: 404, errorCode: 'model_not_found', costUsd: null, ttfbMs: null }));
  return { clock, agg, bus };
}

test('counts requests, errors by code, tokens and cost per provider', () => {
  const { agg } = traffic();
  const s = agg.snapshot();
  assert.equal(s.totals.requests, 10);
  assert.equal(s.totals.errors, 2);
  assert.equal(s.totals.errorRate, 0.2);
  assert.deepEqual(s.totals.errorsByCode, { rate_limited: 1, model_not_found: 1 });
  assert.equal(s.totals.failovers, 1);
  assert.equal(s.totals.costUsd, 0.08);
  assert.equal(s.spendTodayUsd, 0.08);
  assert.deepEqual(s.totals.tokens, { prompt: 90, completion: 45, cached: 0, cacheWrite: 0, reasoning: 0, total: 135 });

  const byName = Object.fromEntries(s.providers.map((p) => [p.name, p]));
  assert.deepEqual(s.providers.map((p) => p.name), ['alpha', 'beta', '(none)', 'gamma']);
  assert.equal(byName.alpha!.requests, 6);
  assert.equal(byName.alpha!.share, 0.6);
  assert.equal(byName.alpha!.failedAttempts, 1);
  assert.equal(byName.alpha!.errors, 0);
  assert.equal(byName.beta!.requests, 3);
  assert.equal(byName.beta!.share, 0.3);
  assert.equal(byName.beta!.errors, 1);
  assert.equal(byName.beta!.unpriced, 1);
  assert.equal(byName.gamma!.requests, 0);
  assert.equal(byName.gamma!.latencyMs.p50, null);
  assert.deepEqual(byName.alpha!.recentLatencyMs, [100, 110, 120, 130, 140, 150]);
});

test('percentiles come from the latency histogram', () => {
  const { agg } = traffic();
  const alpha = agg.snapshot().providers.find((p) => p.name === 'alpha')!;
  assert.equal(alpha.latencyMs.count, 6);
  assert.equal(alpha.latencyMs.max, 150);
  assert.equal(alpha.latencyMs.avg, 125);
  assert.ok(alpha.latencyMs.p50! >= 100 && alpha.latencyMs.p50! <= 125, `p50 ${alpha.latencyMs.p50}`);
  assert.ok(alpha.latencyMs.p95! >= 125 && alpha.latencyMs.p95! <= 150, `p95 ${alpha.latencyMs.p95}`);
  assert.equal(alpha.ttfbMs.count, 6);
});

test('groups by model and by key, with key names', () => {
  const { agg } = traffic();
  const s = agg.snapshot();
  assert.deepEqual(
    s.models.map((m) => [m.name, m.requests]),
    [['gpt-4o-mini', 8], ['claude-haiku', 2]],
  );
  assert.deepEqual(
    s.keys.map((k) => [k.keyId, k.keyName, k.requests]),
    [['key_1', 'laptop', 9], ['key_2', 'ci', 1]],
  );
});

test('requests per second cover the last second and the last minute', () => {
  const { agg, clock } = traffic();
  let s = agg.snapshot();
  assert.equal(s.totals.rps1s, 10);
  assert.equal(s.totals.rps60s, 0.17);
  assert.equal(s.rpsSeries.length, 60);
  assert.equal(s.rpsSeries[59], 10);
  clock.advance(2000);
  s = agg.snapshot();
  assert.equal(s.totals.rps1s, 0);
  assert.equal(s.rpsSeries[57], 10);
  clock.advance(60_000);
  assert.equal(agg.snapshot().totals.rps60s, 0);
});

test('recent requests are newest first and capped', () => {
  const clock = fakeClock();
  const agg = new MetricsAggregator({ now: clock.now, recentSize: 3 });
  for (let i = 1; i <= 5; i++) agg.recordRequest(requestEvent({ requestId: `r${i}`, attempts: [] }));
  const recent = agg.snapshot().recent;
  assert.deepEqual(recent.map((r) => r.requestId), ['r5', 'r4', 'r3']);
  assert.equal(recent[0]!.keyName, 'laptop');
  assert.equal(recent[0]!.provider, 'alpha');
});

test('spend today starts from the seed and resets at midnight UTC', () => {
  const clock = fakeClock(Date.UTC(2026, 0, 15, 23, 59, 0));
  const agg = new MetricsAggregator({ now: clock.now, spendTodayUsd: 1.5 });
  agg.recordRequest(requestEvent({ costUsd: 0.25 }));
  assert.equal(agg.snapshot().spendTodayUsd, 1.75);
  assert.equal(agg.snapshot().day, '2026-01-15');
  clock.advance(120_000);
  assert.equal(agg.snapshot().spendTodayUsd, 0);
  assert.equal(agg.snapshot().day, '2026-01-16');
  agg.recordRequest(requestEvent({ costUsd: 0.5 }));
  assert.equal(agg.snapshot().spendTodayUsd, 0.5);
  assert.equal(agg.snapshot().totals.costUsd, 0.75);
});

test('circuit state is the router’s own: the worst of a provider’s circuits, and a provider-wide close leaves an open model circuit showing', () => {
  let now = 1_000_000;
  const bus = new MetricsBus();
  const health = new RouterHealth(bus, undefined, () => now);
  const agg = new MetricsAggregator({ now: () => now, circuits: (p) => health.circuitOf(p) });
  agg.attach(bus);
  const settings = { ...DEFAULT_HEALTH, circuit: { failures: 2, cooldownMs: 1000, maxCooldownMs: 4000 } };
  const circuit = () => {
    const p = agg.snapshot().providers.find((x) => x.name === 'beta')!;
    return [p.circuit, p.circuitSince, p.authFailed];
  };
  const m1 = target('beta', 'm1');
  const m2 = target('beta', 'm2');
  for (let i = 0; i < 2; i++) health.failedStatus(m1, 503, 10, false, settings);
  const openedAt = now;
  assert.deepEqual(circuit(), ['open', openedAt, false]);
  // beta's key is refused on m2: the provider-wide circuit opens, then a success on m2 closes it
  now += 100;
  for (let i = 0; i < 2; i++) health.failedStatus(m2, 401, 10, false, settings);
  assert.deepEqual(circuit(), ['open', openedAt, true]);
  health.succeeded(m2, 10, false);
  assert.equal(health.circuits.state('beta/m1', now), 'open');
  assert.deepEqual(circuit(), ['open', openedAt, true], 'm1 is still open in the router, so top says so');
  now = openedAt + 1000;
  assert.deepEqual(circuit(), ['half_open', openedAt + 1000, true], 'the cooldown ends without an event: top still agrees');
  bus.request(requestEvent({ provider: 'beta' }));
  health.succeeded(m1, 10, false);
  assert.deepEqual(circuit(), ['closed', null, false]);
});

test('models and keys beyond the cap are counted under (other)', () => {
  const agg = new MetricsAggregator({ maxGroups: 2 });
  for (const m of ['a', 'b', 'c', 'd']) agg.recordRequest(requestEvent({ servedModel: m, keyId: `k_${m}` }));
  const s = agg.snapshot();
  assert.deepEqual(s.models.map((m) => [m.name, m.requests]), [['(other)', 2], ['a', 1], ['b', 1]]);
  assert.equal(s.keys.length, 3);
  assert.equal(s.keys[0]!.keyId, null);
});

test('the snapshot survives a JSON round trip unchanged', () => {
  const { agg } = traffic();
  const s = agg.snapshot();
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
});

test('detaching stops counting', () => {
  const bus = new MetricsBus();
  const agg = new MetricsAggregator();
  const detach = agg.attach(bus);
  bus.request(requestEvent());
  detach();
  bus.request(requestEvent());
  assert.equal(agg.snapshot().totals.requests, 1);
});
