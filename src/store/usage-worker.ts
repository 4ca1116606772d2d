/**
 * The usage writer's thread: SQLite inserts, and the WAL checkpoints with their fsync
 * (tens of milliseconds now and then), happen here and never on the request path.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './db.js';
import { BatchedUsageWriter, type UsageRecord } from './usage.js';

export type ToWorker = { type: 'records'; records: UsageRecord[] } | { type: 'flush'; done: SharedArrayBuffer };
export type FromWorker = { type: 'error'; message: string };

const port = parentPort!;
const db = openDatabase((workerData as { file: string }).file);
const writer = new BatchedUsageWriter(db, 1_000, (err) => port.postMessage({ type: 'error', message: String(err) } satisfies FromWorker));

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'records') {
    for (const r of msg.records) writer.record(r);
    writer.flush();
  } else {
    writer.flush();
    const flag = new Int32Array(msg.done);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  }
});
