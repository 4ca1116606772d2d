import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../src/store/db.js';
import { DatabaseTooNewError, MIGRATIONS, migrate } from '../../src/store/migrations/index.js';
import { SqliteKeyStore } from '../../src/store/keys.js';
import { tempHome } from '../helpers/gateway.js';

const tables = (db: Database.Database) =>
  (db.prepare(`SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') ORDER BY name`).all() as { name: string }[]).map((r) => r.name);

test('a fresh database is migrated step by step to the latest schema, in WAL mode', () => {
  const file = join(tempHome(), 'fresh.db');
  const raw = new Database(file);
  for (const [i, m] of MIGRATIONS.entries()) {
    migrate(raw, file, MIGRATIONS.slice(0, i + 1));
    assert.equal(raw.pragma('user_version', { simple: true }), m.version, `after ${m.name}`);
  }
  assert.deepEqual(tables(raw), ['keys', 'keys_version_delete', 'keys_version_insert', 'keys_version_update', 'meta', 'responses', 'usage']);
  const usageColumns = (raw.prepare('PRAGMA table_info(usage)').all() as { name: string }[]).map((c) => c.name);
  for (const col of ['request_id', 'key_id', 'requested_model', 'served_model', 'provider', 'strategy', 'attempts', 'status', 'error_code', 'latency_ms', 'ttfb_ms', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'cache_write_tokens', 'reasoning_tokens', 'cost_usd']) {
    assert.ok(usageColumns.includes(col), col);
  }
  raw.close();
  const db = openDatabase(file);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  db.close();
});

test('a database at an older version keeps its rows; key changes bump keys_version', () => {
  const file = join(tempHome(), 'old.db');
  const raw = new Database(file);
  migrate(raw, file, MIGRATIONS.slice(0, 1));
  const { record } = new SqliteKeyStore(raw).create({ name: 'kept' });
  raw.close();

  const db = openDatabase(file);
  const version = () => db.prepare(`SELECT value FROM meta WHERE name = 'keys_version'`).pluck().get() as number;
  const store = new SqliteKeyStore(db);
  assert.equal(store.find(record.id)?.name, 'kept');
  const before = version();
  store.revoke(record.id);
  store.create({ name: 'another' });
  assert.equal(version(), before + 2);
  db.close();
});

test('a database written by a newer TokenHub is refused, not touched', () => {
  const file = join(tempHome(), 'new.db');
  const raw = new Database(file);
  raw.pragma('user_version = 999');
  raw.close();
  assert.throws(() => openDatabase(file), (err: unknown) => err instanceof DatabaseTooNewError && /newer TokenHub \(schema 999/.test(err.message));
  const check = new Database(file);
  assert.equal(check.pragma('user_version', { simple: true }), 999);
  assert.equal(check.pragma('journal_mode', { simple: true }), 'delete', 'not even switched to WAL');
  assert.deepEqual(tables(check), []);
  check.close();
});
