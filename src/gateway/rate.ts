/**
 * Per-key rate state, O(1) per request and all in memory. Times come from the caller
 * (a monotonic clock in the daemon, a fake one in tests).
 */

/**
 * Requests per window as an exact sliding log: a ring of the last `limit` admission
 * times. A request is admitted when fewer than `limit` were admitted in the last
 * `windowMs`, i.e. when the oldest of the last `limit` is older than the window.
 */
export class SlidingWindowCounter {
  private ring: number[];
  private head = 0;
  private count = 0;

  constructor(
    private limit: number,
    private readonly windowMs = 60_000,
  ) {
    this.ring = new Array<number>(limit);
  }

  get max(): number {
    return this.limit;
  }

  /** 0 when a request may go now, else ms until one may. */
  waitMs(now: number): number {
    if (this.count < this.limit) return 0;
    return Math.max(0, this.ring[this.head]! + this.windowMs - now);
  }

  /** admitted requests within the window (for headers and `keys show`) */
  used(now: number): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.ring[(this.head + i) % this.limit]! + this.windowMs > now) n++;
    return n;
  }

  take(now: number): void {
    if (this.count < this.limit) {
      this.ring[(this.head + this.count) % this.limit] = now;
      this.count++;
    } else {
      this.ring[this.head] = now;
      this.head = (this.head + 1) % this.limit;
    }
  }

  /** A changed limit keeps the most recent admissions, so an edit does not reset the window. */
  resize(limit: number): void {
    if (limit === this.limit) return;
    const times: number[] = [];
    for (let i = 0; i < this.count; i++) times.push(this.ring[(this.head + i) % this.limit]!);
    const kept = times.slice(Math.max(0, times.length - limit));
    this.limit = limit;
    this.ring = new Array<number>(limit);
    kept.forEach((t, i) => (this.ring[i] = t));
    this.head = 0;
    this.count = kept.length;
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
