import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsAggregator } from '../../src/metrics/aggregate.js';
import { formatLabels, formatPrometheus } from '../../src/metrics/prometheus.js';
import { fakeClock, requestEvent } from './events.js';

function exposition(): string {
  const clock = fakeClock();
  const agg = new MetricsAggregator({
    now: clock.now,
    providers: ['alpha', 'beta'],
    circuits: (p) => (p === 'beta' ? { circuit: 'open', since: 0 } : { circuit: 'closed', since: null }),
  });
  agg.recordRequest(requestEvent({ provider: 'alpha', latencyMs: 40, ttfbMs: 20, costUsd: 0.002 }));
  agg.recordRequest(requestEvent({ provider: 'alpha', latencyMs: 800, ttfbMs: 300, costUsd: 0.003 }));
  agg.recordRequest(requestEvent({ provider: 'alpha', status: 502, errorCode: 'upstream_unavailable', latencyMs: 90_000, costUsd: null }));
  clock.advance(90_000);
  return formatPrometheus(agg.snapshot(), agg.rawCounters());
}

test('counts requests by provider, model and status', () => {
  const text = exposition();
  assert.match(text, /^# TYPE tokenhub_requests_total counter$/m);
  assert.match(text, /^tokenhub_requests_total\{provider="alpha",model="gpt-4o-mini",status="200"\} 2$/m);
  assert.match(text, /^tokenhub_requests_total\{provider="alpha",model="gpt-4o-mini",status="502"\} 1$/m);
});

test('exports tokens, cost, circuit state, spend and uptime', () => {
  const text = exposition();
  assert.match(text, /^tokenhub_tokens_total\{provider="alpha",model="gpt-4o-mini",type="prompt"\} 30$/m);
  assert.match(text, /^tokenhub_tokens_total\{provider="alpha",model="gpt-4o-mini",type="completion"\} 15$/m);
  assert.match(text, /^tokenhub_cost_usd_total\{provider="alpha",model="gpt-4o-mini"\} 0.005$/m);
  assert.match(text, /^tokenhub_circuit_state\{provider="beta"\} 2$/m);
  assert.match(text, /^tokenhub_circuit_state\{provider="alpha"\} 0$/m);
  assert.match(text, /^tokenhub_spend_today_usd 0.005$/m);
  assert.match(text, /^tokenhub_uptime_seconds 90$/m);
});

test('latency histogram buckets are cumulative, in seconds, and end with +Inf', () => {
  const text = exposition();
  const bucket = (le: string) => {
    const m = text.match(new RegExp(`^tokenhub_request_duration_seconds_bucket\\{provider="alpha",le="${le.replace('+', '\\+')}"\\} (\\d+)$`, 'm'));
    assert.ok(m, `no bucket le=${le}`);
    return Number(m[1]);
  };
  assert.equal(bucket('0.025'), 0);
  assert.equal(bucket('0.05'), 1);
  assert.equal(bucket('1'), 2);
  assert.equal(bucket('60'), 2);
  assert.equal(bucket('150'), 3);
  assert.equal(bucket('+Inf'), 3);
  assert.match(text, /^tokenhub_request_duration_seconds_count\{provider="alpha"\} 3$/m);
  assert.match(text, /^tokenhub_request_duration_seconds_sum\{provider="alpha"\} 90.84$/m);
  assert.match(text, /^tokenhub_time_to_first_byte_seconds_count\{provider="alpha"\} 3$/m);
  assert.match(text, /^tokenhub_request_duration_seconds_count\{provider="beta"\} 0$/m);
});

test('every family has HELP and TYPE once and the text ends with a newline', () => {
  const text = exposition();
  assert.ok(text.endsWith('\n'));
  const types = text.match(/^# TYPE \S+/gm)!;
  assert.equal(new Set(types).size, types.length);
  for (const line of text.trimEnd().split('\n')) {
    assert.match(line, /^(# (HELP|TYPE) tokenhub_\w+ .+|tokenhub_\w+(\{.*\})? [-+\d.eInfa]+)$/);
  }
});

test('label values are escaped', () => {
  assert.equal(formatLabels({ model: 'a"b\\c\nd' }), '{model="a\\"b\\\\c\\nd"}');
  assert.equal(formatLabels({}), '');
});
