import { Worker } from 'node:worker_threads';
import { openDatabase } from './db.js';
import type { FromWorker, ToWorker } from './usage-worker.js';
import { BatchedUsageWriter, type UsageRecord, type UsageSink } from './usage.js';

/**
 * A UsageSink that hands records to a worker thread in batches (one message every
 * `windowMs`), so the daemon's event loop never runs SQLite. `flush()` blocks until
 * the worker has written everything sent so far: for budgets read at startup, tests
 * and shutdown, never per request. A crash loses at most one window of records.
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

  constructor(
    private readonly file: string,
    private readonly windowMs = 20,
    private readonly onError: (message: string) => void = () => {},
  ) {
    // Run from source (tests under tsx), the worker is still the compiled one: Node 20 cannot
    // start a TypeScript worker through tsx. `npm test` builds first.
    const entry = import.meta.url.endsWith('.ts') ? '../../dist/store/usage-worker.js' : './usage-worker.js';
    // A small young generation: the worker's garbage is a few batches, and every MB is daemon RSS.
    this.worker = new Worker(new URL(entry, import.meta.url), { workerData: { file }, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    this.worker.on('message', (msg: FromWorker) => onError(msg.message));
    this.worker.on('error', (err) => onError(String(err)));
    this.worker.on('exit', (code) => {
      this.alive = false;
      if (!this.closed) onError(`usage writer thread exited (code ${code}); writing usage on the main thread from now on`);
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
    if (this.alive) this.worker.postMessage({ type: 'records', records: this.queue } satisfies ToWorker);
    else for (const r of this.queue) this.inline().record(r);
    this.queue = [];
  }

  flush(timeoutMs = 10_000): void {
    this.send();
    if (this.alive && !this.closed) {
      const done = new SharedArrayBuffer(4);
      this.worker.postMessage({ type: 'flush', done } satisfies ToWorker);
      Atomics.wait(new Int32Array(done), 0, 0, timeoutMs);
    }
    this.fallback?.flush();
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    void this.worker.terminate();
  }
}
