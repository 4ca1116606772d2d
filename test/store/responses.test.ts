import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../src/store/db.js';
import { DEFAULT_RETENTION_DAYS, ResponsesStore } from '../../src/store/responses.js';
import { tempHome } from '../helpers/gateway.js';

const DAY = 24 * 60 * 60 * 1000;

test('stored responses are scoped to their key, expire after the retention, and pruning leaves usage alone', () => {
  const db = openDatabase(join(tempHome(), 'r.db'));
  let now = 1_000 * DAY;
  let retention = DEFAULT_RETENTION_DAYS;
  const store = new ResponsesStore(db, () => retention, () => now);
  db.prepare(`INSERT INTO usage (request_id, ts, key_id, endpoint, status, latency_ms, attempts, stream, prompt_tokens, completion_tokens, cached_tokens, usage_estimated)
              VALUES ('req_1', 0, 'key_a', 'responses', 200, 1, 1, 0, 1, 1, 0, 0)`).run();

  store.save({ id: 'resp_1', keyId: 'key_a', input: [{ type: 'message', role: 'user', content: 'hi' }], response: { id: 'resp_1', output: [] } });
  assert.equal(store.get('resp_1', 'key_a')?.input.length, 1);
  assert.equal(store.get('resp_1', 'key_b'), null);
  assert.equal(store.delete('resp_1', 'key_b'), false);
  // a provider's id seen again under another key does not replace the first key's row
  store.save({ id: 'resp_1', keyId: 'key_b', input: [], response: { id: 'resp_1', output: ['other'] } });
  assert.deepEqual(store.get('resp_1', 'key_a')?.response, { id: 'resp_1', output: [] });

  now += 30 * DAY - 1;
  assert.ok(store.get('resp_1', 'key_a'));
  now += 1;
  assert.equal(store.get('resp_1', 'key_a'), null, 'expired at 30 days');
  assert.equal(store.prune(), 1);

  retention = 1; // config reloads apply to what is stored next
  store.save({ id: 'resp_2', keyId: 'key_a', input: [], response: {} });
  now += DAY;
  assert.equal(store.prune(), 1);
  assert.equal(db.prepare('SELECT COUNT(*) FROM usage').pluck().get(), 1);
  db.close();
});

test('saves wait in a queue that reads already see, and go to the table together', () => {
  const db = openDatabase(join(tempHome(), 'r.db'));
  const store = new ResponsesStore(db, () => DEFAULT_RETENTION_DAYS, () => 1_000 * DAY, 60_000);
  const rows = () => db.prepare('SELECT id, key_id, response FROM responses ORDER BY id').all() as { id: string; key_id: string; response: string }[];
  // an answer's text is kept as it came (not parsed and re-serialised); an object is serialised
  const text = '{"id":"resp_1",  "output": [],"model":"oai/gpt-4.1"}';
  store.save({ id: 'resp_1', keyId: 'key_a', input: [{ type: 'message', role: 'user', content: 'hi' }], response: text });
  store.save({ id: 'resp_2', keyId: 'key_a', input: [], response: { id: 'resp_2' } });
  store.save({ id: 'resp_1', keyId: 'key_b', input: [], response: '{}' }); // another key's id: ignored, as the table would
  assert.deepEqual(rows(), [], 'nothing written before the window');
  assert.deepEqual(store.get('resp_1', 'key_a')?.response, JSON.parse(text));
  assert.equal(store.get('resp_1', 'key_b'), null);
  assert.equal(store.delete('resp_2', 'key_b'), false);
  assert.equal(store.delete('resp_2', 'key_a'), true, 'a queued response can be deleted');
  assert.equal(store.get('resp_2', 'key_a'), null);

  assert.equal(store.flush(), true);
  assert.deepEqual(rows(), [{ id: 'resp_1', key_id: 'key_a', response: text }]);
  assert.deepEqual(store.get('resp_1', 'key_a')?.input, [{ type: 'message', role: 'user', content: 'hi' }]);

  // queued under another key than the table's row: not that key's to read or delete, and the table keeps the first
  store.save({ id: 'resp_1', keyId: 'key_b', input: [], response: '{"other":true}' });
  assert.equal(store.get('resp_1', 'key_b'), null);
  assert.equal(store.delete('resp_1', 'key_b'), false);
  store.flush();
  assert.deepEqual(rows(), [{ id: 'resp_1', key_id: 'key_a', response: text }]);
  db.close();
});

test('the window writes the queue by itself; a write that fails keeps it queued and readable until a later one succeeds', async () => {
  const file = join(tempHome(), 'r.db');
  const db = openDatabase(file);
  db.pragma('busy_timeout = 0');
  const errors: unknown[] = [];
  const store = new ResponsesStore(db, () => DEFAULT_RETENTION_DAYS, () => 1_000 * DAY, 1, (err) => errors.push(err));
  const count = () => db.prepare('SELECT COUNT(*) FROM responses').pluck().get() as number;
  store.save({ id: 'resp_1', keyId: 'key_a', input: [], response: { id: 'resp_1' } });
  while (count() === 0) await new Promise((r) => setImmediate(r));
  assert.equal(count(), 1);

  // another connection (the CLI, say) holds the write lock
  const other = openDatabase(file);
  other.exec('BEGIN IMMEDIATE');
  store.save({ id: 'resp_2', keyId: 'key_a', input: [], response: { id: 'resp_2' } });
  assert.equal(store.flush(), false);
  assert.match(String(errors[0]), /locked|busy/i);
  assert.deepEqual(store.get('resp_2', 'key_a')?.response, { id: 'resp_2' });
  other.exec('ROLLBACK');
  other.close();
  assert.equal(store.flush(), true);
  assert.equal(count(), 2);
  db.close();
});

test('while writes fail, at most maxQueued responses wait (the oldest go first), and the loss is reported', () => {
  const file = join(tempHome(), 'r.db');
  const db = openDatabase(file);
  db.pragma('busy_timeout = 0');
  const errors: string[] = [];
  const store = new ResponsesStore(db, () => DEFAULT_RETENTION_DAYS, () => 1_000 * DAY, 60_000, (err) => errors.push(String(err)), 3);
  const other = openDatabase(file);
  other.exec('BEGIN IMMEDIATE');
  for (let i = 1; i <= 5; i++) store.save({ id: `resp_${i}`, keyId: 'key_a', input: [], response: { id: `resp_${i}` } });
  store.save({ id: 'resp_5', keyId: 'key_a', input: [], response: { id: 'resp_5', again: true } }); // the same id replaces, drops nothing
  assert.deepEqual([1, 2, 3, 4, 5].map((i) => store.get(`resp_${i}`, 'key_a') !== null), [false, false, true, true, true]);
  assert.equal(store.flush(), false);
  assert.match(errors.join('\n'), /2 stored responses were not kept/);
  other.exec('ROLLBACK');
  other.close();
  assert.equal(store.flush(), true);
  assert.deepEqual(db.prepare('SELECT id FROM responses ORDER BY id').pluck().all(), ['resp_3', 'resp_4', 'resp_5']);
  assert.deepEqual(store.get('resp_5', 'key_a')?.response, { id: 'resp_5', again: true });
  db.close();
});
