/**
 * Per-key rate state, O(1) per request and all in memory. Times come from the caller
 * (a monotonic clock in the daemon, a fake one in tests).
 */

/**
 * Requests per window in fixed memory whatever the limit: the window is cut into
 * one-second buckets, each holding how many requests it admitted and when the last of
 * them was. A bucket counts as if all its requests came at that last time, so the count
 * never falls short of the true sliding count: `limit` N admits N at once, never more
 * than N in any window, and frees a slot at most one bucket later than an exact log
 * would. (A log of every admission grows with the limit: a key with `--rpm 100000000`
 * kept every request's time.)
 */
export class SlidingWindowCounter {
  private readonly bucketMs: number;
  /** absolute bucket number held in each slot (-1: empty) */
  private readonly index: Float64Array;
  private readonly count: Float64Array;
  /** the latest admission in each slot */
  private readonly last: Float64Array;

  constructor(
    private limit: number,
    private readonly windowMs = 60_000,
    buckets = 60,
  ) {
    this.bucketMs = windowMs / buckets;
    // One slot more than the window holds: a bucket is reused only once its last request has left the window.
    const slots = buckets + 1;
    this.index = new Float64Array(slots).fill(-1);
    this.count = new Float64Array(slots);
    this.last = new Float64Array(slots);
  }

  get max(): number {
    return this.limit;
  }

  /** how many numbers the state holds: fixed, whatever the limit */
  get slots(): number {
    return this.index.length;
  }

  private live(i: number, now: number): boolean {
    return this.index[i]! >= 0 && this.last[i]! + this.windowMs > now;
  }

  /** admitted requests within the window (for headers and `keys show`) */
  used(now: number): number {
    let n = 0;
    for (let i = 0; i < this.index.length; i++) if (this.live(i, now)) n += this.count[i]!;
    return n;
  }

  /** 0 when a request may go now, else ms until one may. */
  waitMs(now: number): number {
    let inWindow = this.used(now);
    if (inWindow < this.limit) return 0;
    // Oldest bucket first: when enough have left the window, a slot is free.
    const slots = this.index.length;
    const newest = Math.floor(now / this.bucketMs);
    for (let b = newest - slots + 1; b <= newest; b++) {
      const i = ((b % slots) + slots) % slots;
      if (this.index[i] !== b || !this.live(i, now)) continue;
      inWindow -= this.count[i]!;
      if (inWindow < this.limit) return Math.max(1, this.last[i]! + this.windowMs - now);
    }
    return this.windowMs;
  }

  take(now: number): void {
    const b = Math.floor(now / this.bucketMs);
    const slots = this.index.length;
    const i = ((b % slots) + slots) % slots;
    if (this.index[i] !== b) {
      this.index[i] = b;
      this.count[i] = 0;
      this.last[i] = now;
    }
    this.count[i]!++;
    this.last[i] = Math.max(this.last[i]!, now);
  }

  /** A changed limit keeps the window's counts, so an edit does not reset it. */
  resize(limit: number): void {
    this.limit = limit;
  }
}

/**
 * Tokens per window as a token bucket that refills `capacity` per window. Requests take
 * their estimate up front and settle to the real count afterwards, so the level can go
 * below zero after a request used more than it said: later requests then wait longer.
 */
export class TokenBucket {
  private level: number;
  private last: number;

  constructor(
    private capacity: number,
    now: number,
    private readonly windowMs = 60_000,
  ) {
    this.level = capacity;
    this.last = now;
  }

  get max(): number {
    return this.capacity;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.level = Math.min(this.capacity, this.level + ((now - this.last) * this.capacity) / this.windowMs);
      this.last = now;
    }
  }

  available(now: number): number {
    this.refill(now);
    return this.level;
  }

  /**
   * 0 when `tokens` may be taken now, else ms until they may. A request larger than the
   * whole bucket needs only a full bucket, so a large request is slow but never refused forever.
   */
  waitMs(tokens: number, now: number): number {
    this.refill(now);
    const need = Math.min(tokens, this.capacity);
    if (this.level >= need) return 0;
    return Math.ceil(((need - this.level) * this.windowMs) / this.capacity);
  }

  take(tokens: number, now: number): void {
    this.refill(now);
    this.level -= tokens;
  }

  /** Returns what a request took but did not use (or takes what it used beyond its estimate). */
  settle(taken: number, used: number, now: number): void {
    this.refill(now);
    this.level = Math.min(this.capacity, this.level + taken - used);
  }

  resize(capacity: number): void {
    this.level = Math.min(this.level, capacity);
    this.capacity = capacity;
  }
}
