/**
 * Counts events in fixed time slots on a ring, so "how many in the last N ms" costs one
 * increment per event and one short loop per read. Slots that time passed over are
 * cleared lazily on the next write or read.
 */
export class RateWindow {
  private readonly slots: Uint32Array;
  private head: number;

  constructor(
    private readonly slotMs: number,
    slotCount: number,
    now: number,
  ) {
    this.slots = new Uint32Array(slotCount);
    this.head = Math.floor(now / slotMs);
  }

  add(now: number, n = 1): void {
    this.advance(now);
    this.slots[this.head % this.slots.length]! += n;
  }

  /** Events in the last `spanMs` (rounded to whole slots), including the current slot. */
  count(now: number, spanMs: number): number {
    this.advance(now);
    const k = Math.min(this.slots.length, Math.max(1, Math.round(spanMs / this.slotMs)));
    let sum = 0;
    for (let i = 0; i < k; i++) sum += this.slots[(this.head - i + this.slots.length * 2) % this.slots.length]!;
    return sum;
  }

  /** Per-`bucketMs` counts over the last `spanMs`, oldest first. */
  series(now: number, spanMs: number, bucketMs: number): number[] {
    this.advance(now);
    const per = Math.max(1, Math.round(bucketMs / this.slotMs));
    const buckets = Math.min(Math.floor(this.slots.length / per), Math.round(spanMs / bucketMs));
    const out = new Array<number>(buckets).fill(0);
    for (let b = 0; b < buckets; b++) {
      for (let i = 0; i < per; i++) {
        const slot = this.head - (b * per + i);
        out[buckets - 1 - b]! += this.slots[((slot % this.slots.length) + this.slots.length) % this.slots.length]!;
      }
    }
    return out;
  }

  private advance(now: number): void {
    const idx = Math.floor(now / this.slotMs);
    if (idx <= this.head) return;
    const steps = Math.min(idx - this.head, this.slots.length);
    for (let i = 1; i <= steps; i++) this.slots[(this.head + i) % this.slots.length] = 0;
    this.head = idx;
  }
}

/** The last `size` numbers, oldest first on read; fixed storage. */
export class SampleRing {
  private readonly buf: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(size: number) {
    this.buf = new Float64Array(size);
  }

  push(v: number): void {
    this.buf[this.next] = v;
    this.next = (this.next + 1) % this.buf.length;
    if (this.filled < this.buf.length) this.filled++;
  }

  values(): number[] {
    const out: number[] = [];
    const start = (this.next - this.filled + this.buf.length) % this.buf.length;
    for (let i = 0; i < this.filled; i++) out.push(this.buf[(start + i) % this.buf.length]!);
    return out;
  }
}

/** The last `size` items by reference, newest first on read. */
export class RecentRing<T> {
  private readonly buf: (T | undefined)[];
  private next = 0;

  constructor(size: number) {
    this.buf = new Array<T | undefined>(size);
  }

  push(item: T): void {
    this.buf[this.next] = item;
    this.next = (this.next + 1) % this.buf.length;
  }

  newestFirst(): T[] {
    const out: T[] = [];
    for (let i = 1; i <= this.buf.length; i++) {
      const item = this.buf[(this.next - i + this.buf.length) % this.buf.length];
      if (item === undefined) break;
      out.push(item);
    }
    return out;
  }
}
