import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SlidingWindowCounter, TokenBucket } from '../../src/gateway/rate.js';

/** A seeded generator: the same "random" arrivals on every run. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** Offers `times` to a counter of `limit` and returns the admitted times. */
function admitted(limit: number, times: number[]): number[] {
  const w = new SlidingWindowCounter(limit);
  const out: number[] = [];
  for (const t of times) {
    if (w.waitMs(t) === 0) {
      w.take(t);
      out.push(t);
    }
  }
  return out;
}

describe('requests per minute (sliding window)', () => {
  test('admits exactly the limit within a minute and says when a slot frees', () => {
    const w = new SlidingWindowCounter(3);
    for (const t of [0, 1_000, 2_000]) {
      assert.equal(w.waitMs(t), 0);
      w.take(t);
    }
    assert.equal(w.waitMs(2_500), 57_500, 'the request at 0 leaves the window at 60 s');
    assert.equal(w.waitMs(59_999), 1);
    assert.equal(w.waitMs(60_000), 0);
    w.take(60_000);
    assert.equal(w.waitMs(60_050), 950, 'the next slot frees when the request at 1 s is a minute old');
    assert.equal(w.used(60_050), 3);
  });

  test('rpm N admits N at once and refuses N+1 within the minute, for small and huge N', () => {
    for (const n of [1, 5, 1000, 100_000]) {
      const w = new SlidingWindowCounter(n);
      for (let i = 0; i < n; i++) {
        assert.equal(w.waitMs(i % 50), 0, `request ${i + 1} of ${n}`);
        w.take(i % 50);
      }
      assert.ok(w.waitMs(50) > 0, `request ${n + 1} is refused`);
      assert.ok(w.waitMs(59_999) > 0, `and still refused just before a minute has passed`);
      assert.equal(w.waitMs(60_049), 0, 'and admitted once the burst is a minute old');
    }
  });

  test('never more than the limit in any one-minute window, and at most a second slower than an exact log', () => {
    const next = lcg(42);
    let t = 0;
    const times = Array.from({ length: 5000 }, () => (t += Math.floor(next() * 120)));
    const limit = 100;
    const got = admitted(limit, times);
    for (let i = limit; i < got.length; i++) assert.ok(got[i]! - got[i - limit]! >= 60_000, `${limit + 1} requests within a minute at ${got[i]}`);
    // an exact log admits a request when the limit-th before it is a minute old; the buckets do so within a second of that
    const exact: number[] = [];
    for (const x of times) if (exact.length < limit || x - exact[exact.length - limit]! >= 60_000) exact.push(x);
    assert.ok(got.length >= exact.length * 0.95, `${got.length} admitted, an exact log admits ${exact.length}`);
  });

  test('memory and time do not grow with the limit: rpm 100,000,000 keeps the same few numbers after a million requests', async () => {
    const { setFlagsFromString } = await import('node:v8');
    const { runInNewContext } = await import('node:vm');
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const w = new SlidingWindowCounter(100_000_000);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1_000_000; i++) {
      const now = i / 20; // a million requests within 50 s
      if (w.waitMs(now) === 0) w.take(now);
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    assert.equal(w.used(50_000), 1_000_000);
    assert.equal(w.slots, 61);
    assert.ok(grown < 2 * 1024 * 1024, `the heap grew by ${grown} bytes`);
  });

  test('a resized window keeps its count', () => {
    const w = new SlidingWindowCounter(5);
    for (const t of [0, 1_000, 2_000, 3_000]) w.take(t);
    w.resize(2);
    assert.equal(w.waitMs(4_000), 60_000 + 2_000 - 4_000, 'two must leave before the third slot frees');
    w.resize(10);
    assert.equal(w.waitMs(4_000), 0);
    assert.equal(w.used(4_000), 4);
  });
});

describe('tokens per minute (token bucket)', () => {
  test('takes the estimate, refills at the limit per minute and reports the wait', () => {
    const b = new TokenBucket(600, 0);
    assert.equal(b.waitMs(500, 0), 0);
    b.take(500, 0);
    assert.equal(b.available(0), 100);
    assert.equal(b.waitMs(200, 0), 10_000, '100 missing tokens at 10 per second');
    assert.equal(b.waitMs(200, 10_000), 0);
  });

  test('settles to the real count: unused tokens come back, extra ones are owed', () => {
    const b = new TokenBucket(600, 0);
    b.take(500, 0);
    b.settle(500, 120, 0);
    assert.equal(b.available(0), 480);
    b.take(100, 0);
    b.settle(100, 700, 0);
    assert.equal(b.available(0), -220);
    assert.equal(b.waitMs(1, 0), 22_100);
  });

  test('a request bigger than the bucket waits for a full bucket instead of never passing', () => {
    const b = new TokenBucket(100, 0);
    assert.equal(b.waitMs(1000, 0), 0);
    b.take(1000, 0);
    assert.equal(b.waitMs(1000, 0), 60_000 * 10);
  });
});
