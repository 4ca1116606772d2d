import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newRequestId } from '../../src/server/middleware/request-context.js';

test('request ids: req_ and 20 base62 characters, unique, ordered by the time they were made', () => {
  const t = 1_780_000_000_000;
  const ids = [newRequestId(t), newRequestId(t), newRequestId(t + 1), newRequestId(t + 61), newRequestId(t + 62 ** 3), newRequestId(t + 86_400_000 * 365 * 40)];
  for (const id of ids) assert.match(id, /^req_[0-9A-Za-z]{20}$/);
  assert.equal(new Set(ids).size, ids.length);
  const prefixes = ids.map((id) => id.slice(0, 12));
  assert.equal(prefixes[0], prefixes[1], 'the same millisecond, the same time part');
  assert.deepEqual([...prefixes].sort(), prefixes, 'later ids sort after earlier ones');
  assert.ok(prefixes[2]! > prefixes[1]! && prefixes[3]! > prefixes[2]!);
});
