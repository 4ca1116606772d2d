/**
 * Fixed log-scale latency buckets (ms). Ten steps per decade from 1 ms to 750 s keep the
 * relative error of a percentile under ~25% while recording stays one binary search and
 * one increment, with no allocation. The steps include 1-2.5-5 so Prometheus `le` bounds
 * can be read straight off them.
 */
const STEPS = [1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5];

export const BUCKET_BOUNDS_MS: readonly number[] = (() => {
  const out: number[] = [];
  for (let d = 0; d <= 5; d++) for (const s of STEPS) out.push(s * 10 ** d);
  return out;
})();

/** One more slot than bounds: the last one counts everything above the largest bound. */
export const BUCKET_COUNT = BUCKET_BOUNDS_MS.length + 1;

export function bucketIndex(ms: number): number {
  let lo = 0;
  let hi = BUCKET_BOUNDS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ms <= BUCKET_BOUNDS_MS[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export class LogHistogram {
  readonly counts = new Uint32Array(BUCKET_COUNT);
  count = 0;
  sum = 0;
  max = 0;

  record(ms: number): void {
    if (!(ms >= 0)) return; // NaN and negatives say nothing about latency
    this.counts[bucketIndex(ms)]!++;
    this.count++;
    this.sum += ms;
    if (ms > this.max) this.max = ms;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.sum = 0;
    this.max = 0;
  }
}

/**
 * The q-quantile (0..1) over the union of some histograms, interpolating linearly inside
 * the bucket and never answering above the largest value seen. null when empty.
 */
export function quantile(hists: readonly LogHistogram[], q: number): number | null {
  let total = 0;
  let max = 0;
  for (const h of hists) {
    total += h.count;
    if (h.max > max) max = h.max;
  }
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < BUCKET_COUNT; i++) {
    let c = 0;
    for (const h of hists) c += h.counts[i]!;
    if (c === 0) continue;
    if (seen + c >= rank) {
      if (i === BUCKET_BOUNDS_MS.length) return max;
      const lower = i === 0 ? 0 : BUCKET_BOUNDS_MS[i - 1]!;
      const upper = BUCKET_BOUNDS_MS[i]!;
      const v = lower + ((upper - lower) * (rank - seen)) / c;
      return Math.min(v, max);
    }
    seen += c;
  }
  return max;
}

/**
 * Latency over the recent past: two windows that take turns, so percentiles cover the
 * last `windowMs` to 2×`windowMs` and old spikes fade out instead of sticking forever.
 */
export class RollingHistogram {
  private cur = new LogHistogram();
  private prev = new LogHistogram();
  private rotatedAt: number;

  constructor(
    private readonly windowMs: number,
    now: number,
  ) {
    this.rotatedAt = now;
  }

  record(ms: number, now: number): void {
    this.rotate(now);
    this.cur.record(ms);
  }

  private rotate(now: number): void {
    const age = now - this.rotatedAt;
    if (age < this.windowMs) return;
    if (age >= 2 * this.windowMs) {
      this.prev.reset();
      this.cur.reset();
      this.rotatedAt = now;
      return;
    }
    const old = this.prev;
    this.prev = this.cur;
    this.cur = old;
    this.cur.reset();
    this.rotatedAt += this.windowMs;
  }

  summary(now: number): LatencySummary {
    this.rotate(now);
    const hs = [this.prev, this.cur];
    const count = this.prev.count + this.cur.count;
    const sum = this.prev.sum + this.cur.sum;
    return {
      count,
      avg: count ? round1(sum / count) : null,
      p50: roundOrNull(quantile(hs, 0.5)),
      p95: roundOrNull(quantile(hs, 0.95)),
      p99: roundOrNull(quantile(hs, 0.99)),
      max: count ? round1(Math.max(this.prev.max, this.cur.max)) : null,
    };
  }
}

/** Percentiles of recent latency in ms; null when nothing was measured in the window. */
export interface LatencySummary {
  count: number;
  avg: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

function roundOrNull(v: number | null): number | null {
  return v === null ? null : round1(v);
}
