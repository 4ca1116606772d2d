/**
 * The usage writer's thread: SQLite inserts, and the WAL checkpoints with their fsync
 * (tens of milliseconds now and then), happen here and never on the request path.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './db.js';
import { BatchedUsageWriter } from './usage.js';
import { FLUSH_FAILED, FLUSHED, type FromWorker, type ToWorker } from './usage-protocol.js';

const port = parentPort!;
const db = openDatabase((workerData as { file: string }).file);
const writer = new BatchedUsageWriter(db, 1_000, (err) => port.postMessage({ type: 'error', message: String(err) } satisfies FromWorker));

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'records') {
    writer.recordRows(msg.rows);
    // Acknowledged only once on disk: until then the main thread still counts the batch as pending.
    if (writer.flush()) port.postMessage({ type: 'written', seq: msg.seq } satisfies FromWorker);
  } else {
    const ok = writer.flush();
    const flag = new Int32Array(msg.done);
    Atomics.store(flag, 0, ok ? FLUSHED : FLUSH_FAILED);
    Atomics.notify(flag, 0);
  }
});
