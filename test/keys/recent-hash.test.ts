import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyCache } from '../../src/keys/cache.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteKeyStore } from '../../src/store/keys.js';
import { tempHome } from '../helpers/gateway.js';

// KeyCache remembers the hash of a key seen a moment ago; it must never remember the verdict.
function setup() {
  const store = new SqliteKeyStore(openDatabase(`${tempHome()}/tokenhub.db`));
  return { store, cache: new KeyCache(store) };
}
const code = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
};

test('a key revoked after it authenticated is refused on its next request', () => {
  const { store, cache } = setup();
  const { key, record } = store.create({});
  cache.reload();
  assert.equal(cache.authenticate(`Bearer ${key}`).record.id, record.id);
  assert.equal(cache.authenticate(`Bearer ${key}`).record.id, record.id);
  store.revoke(record.id);
  cache.reload();
  assert.throws(() => cache.authenticate(`Bearer ${key}`), /revoked/);
});

test('a remembered key whose record is gone from the table is refused as incorrect', () => {
  const { store } = setup();
  const { key } = store.create({});
  let visible = store.list();
  const cache = new KeyCache({ ...store, list: () => visible } as unknown as SqliteKeyStore);
  assert.equal(code(() => cache.authenticate(key)), 'ok');
  visible = [];
  cache.reload();
  assert.throws(() => cache.authenticate(key), /Incorrect API key/);
});

test('a key edited after it authenticated gets its new limits; many keys and unknown tokens all still resolve rightly', () => {
  const { store, cache } = setup();
  const { key, record } = store.create({ models: ['a-*'] });
  cache.reload();
  assert.equal(cache.authenticate(key).record.models?.[0], 'a-*');
  store.update(record.id, { models: ['b-*'] });
  cache.reload();
  assert.equal(cache.authenticate(key).record.models?.[0], 'b-*');
  // More keys than the remembered set holds, and unknown well-formed tokens in between.
  const keys = Array.from({ length: 1100 }, () => store.create({}));
  cache.reload();
  for (const k of keys) assert.equal(cache.authenticate(k.key).record.id, k.record.id);
  for (const k of keys.slice(0, 50)) {
    const unknown = k.key.slice(0, -4) + (k.key.endsWith('aaaa') ? 'bbbb' : 'aaaa');
    assert.equal(code(() => cache.authenticate(unknown)), 'invalid_api_key');
    assert.equal(cache.authenticate(k.key).record.id, k.record.id);
  }
});
