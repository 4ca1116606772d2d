import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SlidingWindowCounter, TokenBucket } from '../../src/gateway/rate.js';

describe('requests per minute (sliding window)', () => {
  test('admits exactly the limit within a minute and says when the oldest leaves the window', () => {
    const w = new SlidingWindowCounter(3);
    for (const t of [0, 100, 200]) {
      assert.equal(w.waitMs(t), 0);
      w.take(t);
    }
    assert.equal(w.waitMs(300), 59_700);
    assert.equal(w.waitMs(59_999), 1);
    assert.equal(w.waitMs(60_000), 0);
    w.take(60_000);
    assert.equal(w.waitMs(60_050), 50, 'the next slot frees when the request at 100 ms is a minute old');
    assert.equal(w.used(60_050), 3);
  });

  test('a resized window keeps the most recent requests', () => {
    const w = new SlidingWindowCounter(5);
    for (const t of [0, 10, 20, 30]) w.take(t);
    w.resize(2);
    assert.equal(w.waitMs(40), 60_020 - 40);
    w.resize(10);
    assert.equal(w.waitMs(40), 0);
    assert.equal(w.used(40), 2);
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
