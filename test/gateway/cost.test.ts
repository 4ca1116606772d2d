import assert from 'node:assert/strict';
import { test } from 'node:test';
import { costOf } from '../../src/gateway/tokens.js';

// Claude Sonnet 4.x list prices per million tokens: input $3, output $15, cache read $0.30, 5-minute cache write $3.75.
const sonnet = { input: 3, output: 15, cached_input: 0.3, cache_write: 3.75 };

test('cost prices uncached input, cache reads, cache writes and output each at its own price', () => {
  // 10k prompt tokens: 6k read from the cache, 3k written to it, 1k uncached; 2k output
  const usd = costOf(sonnet, { promptTokens: 10_000, cachedTokens: 6_000, cacheWriteTokens: 3_000, completionTokens: 2_000 });
  const expected = (1_000 * 3 + 6_000 * 0.3 + 3_000 * 3.75 + 2_000 * 15) / 1e6;
  assert.ok(Math.abs(usd! - expected) < 1e-12, `${usd} vs ${expected}`);
});

test('a model without a cache_write price charges cache writes as input; without prices the cost is unknown', () => {
  const usd = costOf({ input: 1, output: 2 }, { promptTokens: 1_000, cachedTokens: 0, cacheWriteTokens: 500, completionTokens: 0 });
  assert.equal(usd, 1_000 / 1e6);
  assert.equal(costOf(null, { promptTokens: 1, cachedTokens: 0, completionTokens: 1 }), null);
});

test("Anthropic's 1-hour cache writes are priced at cache_write_1h, the 5-minute ones at cache_write", async () => {
  const { usageFromAnthropic } = await import('../../src/providers/anthropic/tables.js');
  // Anthropic's usage with a cache_creation breakdown (prompt caching docs, "1-hour cache duration")
  const usage = usageFromAnthropic({
    input_tokens: 50,
    cache_read_input_tokens: 100_000,
    cache_creation_input_tokens: 248,
    cache_creation: { ephemeral_5m_input_tokens: 148, ephemeral_1h_input_tokens: 100 },
    output_tokens: 503,
  })!;
  assert.equal(usage.cacheWriteTokens, 248);
  assert.equal(usage.cacheWrite1hTokens, 100);
  const usd = costOf({ ...sonnet, cache_write_1h: 6 }, usage)!;
  const expected = (50 * 3 + 100_000 * 0.3 + 148 * 3.75 + 100 * 6 + 503 * 15) / 1e6;
  assert.ok(Math.abs(usd - expected) < 1e-12, `${usd} vs ${expected}`);
  // without a 1-hour price, every write is at cache_write
  assert.ok(Math.abs(costOf(sonnet, usage)! - (50 * 3 + 100_000 * 0.3 + 248 * 3.75 + 503 * 15) / 1e6) < 1e-12);
});
