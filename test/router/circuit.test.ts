import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ProviderEvent } from '../../src/metrics/bus.js';
import { CircuitBreakers, type CircuitSettings } from '../../src/router/circuit.js';
import { retryDelay } from '../../src/router/failover.js';
import { DEFAULT_HEALTH, retryAfterMs } from '../../src/router/health.js';
import { RouterStats } from '../../src/router/stats.js';
import { target } from './targets.js';

const settings: CircuitSettings = { failures: 3, cooldownMs: 1000, maxCooldownMs: 4000 };

function breakers() {
  const events: ProviderEvent[] = [];
  return { cb: new CircuitBreakers((ev) => events.push(ev)), events };
}

describe('circuit breaker', () => {
  const t = target('acme', 'gpt');

  test('opens after the configured number of consecutive failures, and says so once', () => {
    const { cb, events } = breakers();
    cb.failure(t, 'model', 0, settings, 'HTTP 500');
    cb.failure(t, 'model', 1, settings, 'HTTP 500');
    assert.equal(cb.admit(t, 2), 'pass');
    cb.failure(t, 'model', 2, settings, 'HTTP 503');
    assert.equal(cb.admit(t, 3), 'blocked');
    assert.equal(cb.blocked(t, 3), true);
    assert.deepEqual(
      events.map((e) => [e.kind, e.provider, e.model]),
      [['circuit_open', 'acme', 'gpt']],
    );
    assert.match(events[0]!.detail ?? '', /3 consecutive failures, last: HTTP 503/);
  });

  test('a success in between resets the count', () => {
    const { cb } = breakers();
    cb.failure(t, 'model', 0, settings, 'x');
    cb.failure(t, 'model', 0, settings, 'x');
    cb.success(t, 0);
    cb.failure(t, 'model', 0, settings, 'x');
    cb.failure(t, 'model', 0, settings, 'x');
    assert.equal(cb.admit(t, 0), 'pass');
  });

  test('after the cooldown lets exactly one probe through, and closes when it succeeds', () => {
    const { cb, events } = breakers();
    for (let i = 0; i < 3; i++) cb.failure(t, 'model', 0, settings, 'x');
    assert.equal(cb.admit(t, 999), 'blocked');
    assert.equal(cb.blocked(t, 1000), false, 'ready for a probe');
    assert.equal(cb.admit(t, 1000), 'probe');
    assert.equal(cb.admit(t, 1001), 'blocked', 'only one probe at a time');
    cb.success(t, 1002);
    assert.equal(cb.admit(t, 1003), 'pass');
    assert.deepEqual(events.map((e) => e.kind), ['circuit_open', 'circuit_half_open', 'circuit_closed']);
  });

  test('a failed probe reopens the circuit with a doubled cooldown, capped', () => {
    const { cb } = breakers();
    for (let i = 0; i < 3; i++) cb.failure(t, 'model', 0, settings, 'x');
    let now = 1000;
    for (const cooldown of [2000, 4000, 4000]) {
      assert.equal(cb.admit(t, now), 'probe');
      cb.failure(t, 'model', now, settings, 'still down');
      assert.equal(cb.admit(t, now + cooldown - 1), 'blocked');
      now += cooldown;
    }
    assert.equal(cb.admit(t, now), 'probe');
  });

  test('a probe whose client went away frees the slot for the next request', () => {
    const { cb } = breakers();
    for (let i = 0; i < 3; i++) cb.failure(t, 'model', 0, settings, 'x');
    assert.equal(cb.admit(t, 1000), 'probe');
    cb.release(t);
    assert.equal(cb.admit(t, 1001), 'probe');
  });

  test('provider-wide failures open the provider circuit and block every model of it', () => {
    const { cb, events } = breakers();
    const other = target('acme', 'other-model');
    const elsewhere = target('zeta', 'gpt');
    for (let i = 0; i < 3; i++) cb.failure(t, 'provider', 0, settings, 'connection refused');
    assert.equal(cb.blocked(other, 1), true);
    assert.equal(cb.blocked(elsewhere, 1), false);
    assert.equal(events[0]!.model, undefined);
    assert.equal(cb.state('acme', 1), 'open');
  });

  test('model-specific failures leave the provider’s other models alone', () => {
    const { cb } = breakers();
    for (let i = 0; i < 3; i++) cb.failure(t, 'model', 0, settings, 'HTTP 500');
    assert.equal(cb.blocked(target('acme', 'other-model'), 1), false);
  });
});

describe('rolling stats', () => {
  test('latency is an exponentially weighted average, kept apart for streams (time to first byte)', () => {
    const s = new RouterStats();
    const t = target('a');
    s.success(t, 100, false);
    s.success(t, 200, false);
    s.success(t, 40, true);
    const got = s.get(t)!;
    assert.equal(got.latencyMs, 130);
    assert.equal(got.ttfbMs, 40);
    assert.equal(got.attempts, 3);
  });

  test('failures lower the success rate; a timeout also counts as a latency sample', () => {
    const s = new RouterStats();
    const t = target('a');
    s.success(t, 10, false);
    s.failure(t, 5000, true, false);
    const got = s.get(t)!;
    assert.ok(got.successRate < 1);
    assert.ok(got.latencyMs! > 1000);
    s.failure(t, 3, false, false);
    assert.equal(s.get(t)!.latencyMs, got.latencyMs, 'a fast 500 does not make a provider look fast');
  });

  test('round-robin turns count per route', () => {
    const s = new RouterStats();
    assert.deepEqual([s.nextTurn('x'), s.nextTurn('x'), s.nextTurn('y')], [0, 1, 0]);
  });
});

describe('Retry-After', () => {
  test('reads retry-after-ms, seconds and HTTP dates', () => {
    assert.equal(retryAfterMs({ 'retry-after-ms': '150' }), 150);
    assert.equal(retryAfterMs({ 'retry-after': '2' }), 2000);
    assert.equal(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 7_000), 3000);
    assert.equal(retryAfterMs({ 'retry-after': 'soon' }), undefined);
    assert.equal(retryAfterMs({}), undefined);
  });

  test('the last candidate is retried only on 429/503 that says when, within the cap and the deadline', () => {
    const ra = { 'retry-after-ms': '500' };
    assert.equal(retryDelay(429, ra, true, 10_000, DEFAULT_HEALTH), 500);
    assert.equal(retryDelay(503, { 'retry-after': '1' }, true, 10_000, DEFAULT_HEALTH), 1000);
    assert.equal(retryDelay(429, ra, false, 10_000, DEFAULT_HEALTH), undefined, 'another candidate is left: fail over instead');
    assert.equal(retryDelay(500, ra, true, 10_000, DEFAULT_HEALTH), undefined);
    assert.equal(retryDelay(429, {}, true, 10_000, DEFAULT_HEALTH), undefined, 'no Retry-After, no retry');
    assert.equal(retryDelay(429, { 'retry-after': '3' }, true, 10_000, DEFAULT_HEALTH), undefined, 'beyond the 2 s cap');
    assert.equal(retryDelay(429, ra, true, 400, DEFAULT_HEALTH), undefined, 'past the request deadline');
  });
});
