import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './usage-worker.js';
import type { UsageRecord, UsageSink } from './usage.js';

/**
 * A UsageSink that hands records to a worker thread in batches (one message every
 * `windowMs`), so the daemon's event loop never runs SQLite. `flush()` blocks until
 * the worker has written everything sent so far: for budgets read at startup, tests
 * and shutdown, never per request. A crash loses at most one window of records.
 */
export class ThreadedUsageWriter implements UsageSink {
  private queue: UsageRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly worker: Worker;
  private closed = false;

  constructor(
    file: string,
    private readonly windowMs = 20,
    onError: (message: string) => void = () => {},
  ) {
    // Run from source (tests under tsx), the worker is still the compiled one: Node 20 cannot
    // start a TypeScript worker through tsx. `npm test` builds first.
    const entry = import.meta.url.endsWith('.ts') ? '../../dist/store/usage-worker.js' : './usage-worker.js';
    // A small young generation: the worker's garbage is a few batches, and every MB is daemon RSS.
    this.worker = new Worker(new URL(entry, import.meta.url), { workerData: { file }, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    this.worker.on('message', (msg: FromWorker) => onError(msg.message));
    this.worker.on('error', (err) => onError(String(err)));
    this.worker.unref();
  }

  record(rec: UsageRecord): void {
    this.queue.push(rec);
    if (!this.timer && !this.closed) this.timer = setTimeout(() => this.send(), this.windowMs);
    if (this.closed) this.flush();
  }

  private send(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    this.worker.postMessage({ type: 'records', records: this.queue } satisfies ToWorker);
    this.queue = [];
  }

  flush(timeoutMs = 10_000): void {
    this.send();
    const done = new SharedArrayBuffer(4);
    this.worker.postMessage({ type: 'flush', done } satisfies ToWorker);
    Atomics.wait(new Int32Array(done), 0, 0, timeoutMs);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    void this.worker.terminate();
  }
}
