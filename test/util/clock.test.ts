import assert from 'node:assert/strict';
import { test } from 'node:test';
import { coarseDelay } from '../../src/util/clock.js';

test('a coarse delay is never shorter, at most about 1 % (or 1 ms) longer, and nearby delays share one value', () => {
  for (let ms = -5; ms < 2_000_000; ms += ms < 2000 ? 0.37 : 97.3) {
    const d = coarseDelay(ms);
    assert.ok(d >= ms, `${d} < ${ms}`);
    assert.ok(d - Math.max(0, ms) <= Math.max(1, ms / 100), `${d} is too far past ${ms}`);
    assert.ok(Number.isInteger(d));
  }
  // a stream's deadline minus the few ms before it starts: one delay, so one timer list
  const near = new Set(Array.from({ length: 1000 }, (_, i) => coarseDelay(600_000 - i * 0.9)));
  assert.deepEqual([...near], [600_000]);
  assert.equal(coarseDelay(0), 0);
  assert.equal(coarseDelay(-3), 0);
});
