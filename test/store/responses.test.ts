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
