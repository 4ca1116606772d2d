import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUCKET_BOUNDS_MS, LogHistogram, RollingHistogram, bucketIndex, quantile } from '../../src/metrics/histogram.js';
import { RateWindow, RecentRing, SampleRing } from '../../src/metrics/window.js';

test('bucket bounds are increasing and include the Prometheus le bounds', () => {
  for (let i = 1; i < BUCKET_BOUNDS_MS.length; i++) assert.ok(BUCKET_BOUNDS_MS[i]! > BUCKET_BOUNDS_MS[i - 1]!);
  for (const le of [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 150_000, 300_000]) {
    assert.ok(BUCKET_BOUNDS_MS.includes(le), `missing ${le}`);
  }
});

test('a value lands in the first bucket whose bound is at least the value', () => {
  assert.equal(bucketIndex(0), 0);
  assert.equal(bucketIndex(1), 0);
  assert.equal(bucketIndex(1.01), 1);
  assert.equal(BUCKET_BOUNDS_MS[bucketIndex(100)], 100);
  assert.equal(bucketIndex(1e9), BUCKET_BOUNDS_MS.length);
});

test('percentiles of 1..1000 ms are within a bucket of the exact value', () => {
  const h = new LogHistogram();
  for (let ms = 1; ms <= 1000; ms++) h.record(ms);
  for (const [q, exact] of [[0.5, 500], [0.95, 950], [0.99, 990]] as const) {
    const v = quantile([h], q)!;
    assert.ok(Math.abs(v - exact) / exact < 0.15, `p${q * 100}=${v}, want ~${exact}`);
  }
  assert.equal(quantile([h], 1), 1000);
});

test('percentiles never exceed the largest value seen and are null when empty', () => {
  const h = new LogHistogram();
  assert.equal(quantile([h], 0.5), null);
  h.record(101);
  assert.equal(quantile([h], 0.99), 101);
  h.record(Number.NaN);
  h.record(-1);
  assert.equal(h.count, 1);
});

test('a single 5-minute-old spike fades out of the rolling percentiles', () => {
  const rh = new RollingHistogram(60_000, 0);
  rh.record(5000, 0);
  for (let i = 0; i < 10; i++) rh.record(100, 1000);
  assert.equal(rh.summary(1000).max, 5000);
  assert.equal(rh.summary(1000).count, 11);
  rh.record(100, 70_000); // rotated once: the old window is still visible
  assert.equal(rh.summary(70_000).count, 12);
  rh.record(100, 125_000); // rotated again: the spike is gone
  const s = rh.summary(125_000);
  assert.equal(s.count, 2);
  assert.equal(s.max, 100);
  assert.equal(rh.summary(400_000).count, 0);
  assert.equal(rh.summary(400_000).p50, null);
});

test('the rate window counts the last second and the last minute', () => {
  const w = new RateWindow(100, 600, 0);
  for (let i = 0; i < 30; i++) w.add(i * 1000); // one per second for 30 s
  for (let i = 0; i < 5; i++) w.add(29_950);
  assert.equal(w.count(29_990, 1000), 6);
  assert.equal(w.count(29_990, 60_000), 35);
  const series = w.series(29_990, 60_000, 1000);
  assert.equal(series.length, 60);
  assert.equal(series[59], 6);
  assert.equal(series[58], 1);
  assert.equal(series[0], 0);
  assert.equal(w.count(95_000, 60_000), 0);
});

test('rings keep the newest items in fixed storage', () => {
  const s = new SampleRing(3);
  for (const v of [1, 2, 3, 4]) s.push(v);
  assert.deepEqual(s.values(), [2, 3, 4]);
  const r = new RecentRing<string>(2);
  assert.deepEqual(r.newestFirst(), []);
  r.push('a');
  assert.deepEqual(r.newestFirst(), ['a']);
  r.push('b');
  r.push('c');
  assert.deepEqual(r.newestFirst(), ['c', 'b']);
});
