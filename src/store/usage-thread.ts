import { Worker } from 'node:worker_threads';
import { openDatabase } from './db.js';
import { FLUSHED, type FromWorker, type ToWorker } from './usage-protocol.js';
import { BatchedUsageWriter, usageRow, type UsageRecord, type UsageSink } from './usage.js';

/**
 * A UsageSink that hands records to a worker thread in batches (one message every
 * `windowMs`), so the daemon's event loop never runs SQLite. `flush()` blocks until
 * the worker has written everything sent so far: for tests and shutdown only, never on
 * a request's path. What is not on disk yet is `pending()`, so a budget loading its
 * spend counts it without waiting. A crash loses at most one window of records.
 * If the thread dies, or a record arrives after close (a stream cut at shutdown),
 * records are written on this thread instead: slower, but not lost.
 */
export class ThreadedUsageWriter implements UsageSink {
  private queue: UsageRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly worker: Worker;
  private alive = true;
  private closed = false;
  private fallback: BatchedUsageWriter | undefined;
  /** batches sent to the thread and not yet acknowledged as on disk, by sequence number */
  private readonly inFlight = new Map<number, UsageRecord[]>();
  private seq = 0;

  constructor(
    private readonly file: string,
    private readonly windowMs = 20,
    private readonly onError: (message: string) => void = () => {},
  ) {
    // Run from source (tests under tsx), the worker is still the compiled one: Node 20 cannot
    // start a TypeScript worker through tsx. `npm test` builds first.
    const entry = import.meta.url.endsWith('.ts') ? '../../dist/store/usage-worker.js' : './usage-worker.js';
    // A small young generation: the worker's garbage is a few batches, and every MB is daemon RSS.
    // A capped old generation too: uncapped, V8 let it grow lazily and the soak (bench/soak.mjs)
    // saw the daemon keep ~11 MB more after 500k requests; capped at 24 MB it stayed flat over
    // 1M. Its live data is one batch and the prepared statements; were the cap ever hit, the
    // thread exits and the records are written on the main thread (the 'exit' handler below).
    this.worker = new Worker(new URL(entry, import.meta.url), {
      workerData: { file },
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 24 },
    });
    this.worker.on('message', (msg: FromWorker) => {
      if (msg.type === 'error') onError(msg.message);
      else for (const seq of this.inFlight.keys()) if (seq <= msg.seq) this.inFlight.delete(seq);
    });
    this.worker.on('error', (err) => onError(String(err)));
    this.worker.on('exit', (code) => {
      this.alive = false;
      if (!this.closed) onError(`usage writer thread exited (code ${code}); writing usage on the main thread from now on`);
      // Batches the thread may not have written: again, here (INSERT OR IGNORE keeps each record once).
      try {
        for (const batch of this.inFlight.values()) for (const r of batch) this.inline().record(r);
      } catch (err) {
        onError(`usage records lost: ${String(err)}`);
      }
      this.inFlight.clear();
    });
    this.worker.unref();
  }

  private inline(): BatchedUsageWriter {
    this.fallback ??= new BatchedUsageWriter(openDatabase(this.file), this.windowMs, (err) => this.onError(String(err)));
    return this.fallback;
  }

  record(rec: UsageRecord): void {
    if (!this.alive || this.closed) {
      this.inline().record(rec);
      if (this.closed) this.fallback!.flush();
      return;
    }
    this.queue.push(rec);
    if (!this.timer) this.timer = setTimeout(() => this.send(), this.windowMs);
  }

  private send(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    if (this.alive) {
      const seq = ++this.seq;
      this.inFlight.set(seq, this.queue);
      this.worker.postMessage({ type: 'records', seq, rows: this.queue.map(usageRow) } satisfies ToWorker);
    } else for (const r of this.queue) this.inline().record(r);
    this.queue = [];
  }

  /** Records that may not be on disk yet (queued here or in flight to the thread), without waiting. */
  pending(): UsageRecord[] {
    const out = this.queue.slice();
    for (const batch of this.inFlight.values()) out.push(...batch);
    // Main-thread writes (the thread is gone) are quick and local: write them rather than count them.
    this.fallback?.flush();
    return out;
  }

  /**
   * Blocks until everything recorded so far is on disk (tests, shutdown; never a request's
   * path). False when a write failed or the thread did not answer in time.
   */
  flush(timeoutMs = 10_000): boolean {
    this.send();
    let ok = true;
    if (this.alive && !this.closed) {
      const done = new SharedArrayBuffer(4);
      this.worker.postMessage({ type: 'flush', done } satisfies ToWorker);
      const flag = new Int32Array(done);
      Atomics.wait(flag, 0, 0, timeoutMs);
      ok = Atomics.load(flag, 0) === FLUSHED;
      if (!ok) this.onError(Atomics.load(flag, 0) === 0 ? `usage writer thread did not flush within ${timeoutMs} ms` : 'usage write failed');
    }
    return (this.fallback?.flush() ?? true) && ok;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    void this.worker.terminate();
  }
}
