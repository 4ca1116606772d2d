import assert from 'node:assert/strict';
import { join } from 'node:path';
import { once } from 'node:events';
import { test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { openDatabase } from '../../src/store/db.js';
import { ThreadedUsageWriter } from '../../src/store/usage-thread.js';
import { spendSince, type UsageRecord } from '../../src/store/usage.js';
import { tempHome } from '../helpers/gateway.js';

const rec = (requestId: string): UsageRecord => ({
  requestId, ts: Date.now(), keyId: 'key_t', endpoint: 'chat', requestedModel: 'm', servedModel: 'p/m', provider: 'p', strategy: 'cost',
  attempts: [], stream: false, status: 200, errorCode: null, latencyMs: 1, ttfbMs: null, promptTokens: 3, completionTokens: 4, cachedTokens: 0,
  usageEstimated: false, costUsd: 0.001,
});

function ids(file: string): string[] {
  const db = openDatabase(file);
  try {
    return (db.prepare('SELECT request_id FROM usage ORDER BY request_id').pluck().all() as string[]);
  } finally {
    db.close();
  }
}

test('records written by the thread are on disk after flush; if the thread dies, later records are written inline', async () => {
  const file = join(tempHome(), 'tokenhub.db');
  openDatabase(file).close();
  const errors: string[] = [];
  const writer = new ThreadedUsageWriter(file, 5, (m) => errors.push(m));
  writer.record(rec('a'));
  writer.flush();
  assert.deepEqual(ids(file), ['a']);

  const worker = (writer as unknown as { worker: Worker }).worker;
  await Promise.all([once(worker, 'exit'), worker.terminate()]);
  writer.record(rec('b'));
  writer.flush();
  assert.deepEqual(ids(file), ['a', 'b']);
  assert.match(errors.join('\n'), /thread exited/);
  writer.close();
});

test('a record that arrives after close is written at once, without waiting on the stopped thread', () => {
  const file = join(tempHome(), 'tokenhub.db');
  openDatabase(file).close();
  const writer = new ThreadedUsageWriter(file, 5);
  writer.record(rec('before'));
  writer.close();
  const wait = Atomics.wait;
  let waits = 0;
  Atomics.wait = ((...args: Parameters<typeof Atomics.wait>) => (waits++, wait(...args))) as typeof Atomics.wait;
  try {
    writer.record(rec('after'));
  } finally {
    Atomics.wait = wait;
  }
  assert.equal(waits, 0, 'no wait on the stopped thread');
  assert.deepEqual(ids(file), ['after', 'before']);
});

test('records not on disk yet count toward a key’s spend without waiting on the thread, and none counts twice', () => {
  const file = join(tempHome(), 'tokenhub.db');
  openDatabase(file).close();
  const writer = new ThreadedUsageWriter(file, 5);
  const db = openDatabase(file);
  try {
    writer.record(rec('p1'));
    writer.record(rec('p2'));
    const stale = writer.pending();
    assert.deepEqual(stale.map((r) => r.requestId), ['p1', 'p2']);
    assert.equal(spendSince(db, 'key_t', 0, stale), 0.002, 'queued records count');
    assert.equal(spendSince(db, 'key_t', 0, []), 0, 'the table alone does not have them yet');
    assert.equal(spendSince(db, 'other', 0, stale), 0);
    assert.equal(writer.flush(), true);
    assert.equal(spendSince(db, 'key_t', 0, stale), 0.002, 'written records in a stale pending list count once');
    assert.equal(spendSince(db, 'key_t', 0, writer.pending()), 0.002);
  } finally {
    db.close();
    writer.close();
  }
});

test('flush says so when a write failed', () => {
  const file = join(tempHome(), 'tokenhub.db');
  openDatabase(file).close();
  const errors: string[] = [];
  const writer = new ThreadedUsageWriter(file, 5, (m) => errors.push(m));
  writer.record(rec('ok'));
  assert.equal(writer.flush(), true);
  const other = openDatabase(file);
  other.exec('DROP TABLE usage');
  other.close();
  writer.record(rec('lost'));
  assert.equal(writer.flush(), false);
  assert.ok(errors.length > 0);
  void writer.close();
});
