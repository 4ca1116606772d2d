import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GatewayError } from '../../src/errors.js';
import { completionTokenCeiling, DEFAULT_OUTPUT_CAP, promptTokenCeiling, worstCaseCostUsd } from '../../src/gateway/budget.js';
import { KeyLimiter } from '../../src/gateway/limits.js';
import type { Target } from '../../src/providers/types.js';
import type { ApiKeyRecord } from '../../src/store/keys.js';

const key = (over: Partial<ApiKeyRecord> = {}): ApiKeyRecord => ({
  id: 'key_test',
  name: 't',
  prefix: 'sk-th-abc',
  hash: 'h',
  createdAt: 0,
  updatedAt: 0,
  revokedAt: null,
  expiresAt: null,
  models: null,
  ips: null,
  budgetUsd: null,
  budgetPeriod: null,
  rpm: null,
  tpm: null,
  ...over,
});

const target = (name: string, info: Target['info']): Target =>
  ({ provider: { name } as Target['provider'], model: 'm', upstreamModel: 'm', servedAs: `${name}/m`, info }) as Target;

function refusal(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GatewayError);
    return err;
  }
  assert.fail('expected a refusal');
}

function limiter(spent = 0) {
  const clock = { mono: 0, wall: Date.parse('2026-11-27T12:00:00Z') };
  const loads: { keyId: string; since: number }[] = [];
  const l = new KeyLimiter({
    spentSince: (keyId, since) => (loads.push({ keyId, since }), spent),
    clock: () => clock.mono,
    wallClock: () => clock.wall,
  });
  return { l, clock, loads };
}

describe('worst-case cost', () => {
  test('uses max_tokens × n, else the model output cap, else the default cap', () => {
    assert.equal(completionTokenCeiling('chat', { max_tokens: 50, n: 3 }, null), 150);
    assert.equal(completionTokenCeiling('chat', { max_completion_tokens: 20, max_tokens: 50 }, null), 20);
    assert.equal(completionTokenCeiling('chat', {}, { max_output: 1000 } as Target['info']), 1000);
    assert.equal(completionTokenCeiling('chat', {}, null), DEFAULT_OUTPUT_CAP);
    assert.equal(completionTokenCeiling('embeddings', { max_tokens: 9 }, null), 0);
  });

  test('bounds the prompt by its UTF-8 bytes plus overhead, with images at a fixed cost', () => {
    const text = promptTokenCeiling('chat', { messages: [{ role: 'user', content: 'héllo' }] });
    assert.ok(text >= 4 + 6, `got ${text}`);
    const img = promptTokenCeiling('chat', {
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,' + 'A'.repeat(100_000) } }] }],
    });
    assert.ok(img < 2000, `an image is not billed by its URL length (got ${img})`);
  });

  test('picks the most expensive candidate and counts unpriced ones as free', () => {
    const body = { messages: [], max_tokens: 1_000_000 };
    const cheap = target('a', { output: 1 } as Target['info']);
    const dear = target('b', { output: 3 } as Target['info']);
    assert.equal(worstCaseCostUsd('chat', body, [cheap, dear, target('c', null)]), (promptTokenCeiling('chat', body) * 0 + 1_000_000 * 3) / 1e6);
    assert.equal(worstCaseCostUsd('chat', body, [target('c', null)]), 0);
  });
});

describe('KeyLimiter', () => {
  test('a key without limits is admitted without state', () => {
    const { l } = limiter();
    l.sync([key()]);
    l.admit(key(), { tokens: 1e9, worstUsd: 1e9 }).settle({ promptTokens: 1, completionTokens: 1, costUsd: 1 });
    assert.deepEqual(l.status('key_test'), { rpm: null, tpm: null, budget: null });
  });

  test('reserves the worst case, refuses 402 when it does not fit, and settles to the real cost', () => {
    const { l } = limiter(0.25);
    const k = key({ budgetUsd: 1, budgetPeriod: 'day' });
    l.sync([k]);
    const a = l.admit(k, { tokens: 0, worstUsd: 0.5 });
    const err = refusal(() => l.admit(k, { tokens: 0, worstUsd: 0.5 }));
    assert.equal(err.code, 'insufficient_quota');
    assert.equal(err.status, 402);
    a.settle({ promptTokens: 0, completionTokens: 0, costUsd: 0.1 });
    assert.equal(l.status(k.id).budget!.spentUsd, 0.35);
    l.admit(k, { tokens: 0, worstUsd: 0.65 });
    assert.ok(Math.abs(l.status(k.id).budget!.remainingUsd) < 1e-12);
  });

  test('loads the spend of the current calendar period, and starts over when the period ends', () => {
    const { l, clock, loads } = limiter(0.9);
    const k = key({ budgetUsd: 1, budgetPeriod: 'day' });
    l.sync([k]);
    assert.deepEqual(loads, [{ keyId: 'key_test', since: Date.parse('2026-11-27T00:00:00Z') }]);
    refusal(() => l.admit(k, { tokens: 0, worstUsd: 0.2 }));
    clock.wall = Date.parse('2026-11-28T00:00:00Z');
    l.admit(k, { tokens: 0, worstUsd: 0.2 });
    assert.equal(l.status(k.id).budget!.periodStart, Date.parse('2026-11-28T00:00:00Z'));
  });

  test('an edit keeps in-flight reservations and spend; a new period reloads the spend', () => {
    const { l, loads } = limiter(0);
    const k = key({ budgetUsd: 1, budgetPeriod: 'day', rpm: 2 });
    l.sync([k]);
    l.admit(k, { tokens: 0, worstUsd: 0.6 });
    l.sync([{ ...k, budgetUsd: 2 }]);
    assert.equal(l.status(k.id).budget!.reservedUsd, 0.6);
    assert.equal(l.status(k.id).rpm!.used, 1);
    l.sync([{ ...k, budgetUsd: 2, budgetPeriod: 'month' }]);
    assert.equal(loads.length, 2);
    assert.equal(loads[1]!.since, Date.parse('2026-11-01T00:00:00Z'));
    l.sync([{ ...k, budgetUsd: null, budgetPeriod: null, rpm: null }]);
    assert.deepEqual(l.status(k.id), { rpm: null, tpm: null, budget: null });
  });

  test('rpm refusal says when to retry and does not keep the budget reservation', () => {
    const { l, clock } = limiter(0);
    const k = key({ rpm: 2, budgetUsd: 1, budgetPeriod: 'total' });
    l.sync([k]);
    l.admit(k, { tokens: 0, worstUsd: 0.1 });
    clock.mono = 1500;
    l.admit(k, { tokens: 0, worstUsd: 0.1 });
    clock.mono = 2000;
    const err = refusal(() => l.admit(k, { tokens: 0, worstUsd: 0.1 }));
    assert.equal(err.code, 'rate_limited');
    assert.equal(err.status, 429);
    assert.deepEqual(err.headers, { 'retry-after': '58', 'retry-after-ms': '58000' });
    assert.ok(Math.abs(l.status(k.id).budget!.reservedUsd - 0.2) < 1e-12);
  });

  test('tpm takes the estimate and settles to the real count', () => {
    const { l } = limiter(0);
    const k = key({ tpm: 100 });
    l.sync([k]);
    const a = l.admit(k, { tokens: 80, worstUsd: 0 });
    const err = refusal(() => l.admit(k, { tokens: 30, worstUsd: 0 }));
    assert.equal(err.headers!['retry-after-ms'], String((10 * 60_000) / 100));
    a.settle({ promptTokens: 10, completionTokens: 10, costUsd: null });
    assert.equal(l.status(k.id).tpm!.available, 80);
    l.admit(k, { tokens: 30, worstUsd: 0 });
  });
});
