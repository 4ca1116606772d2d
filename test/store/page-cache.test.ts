import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openDatabase } from '../../src/store/db.js';
import { tempHome } from '../helpers/gateway.js';

// The daemon's RSS must not grow with the usage table (bench --soak): every connection
// TokenHub opens keeps SQLite's page cache at 2 MB instead of better-sqlite3's 16 MB.
test('a TokenHub database connection caps its page cache at 2 MB', () => {
  const db = openDatabase(`${tempHome()}/tokenhub.db`);
  try {
    assert.equal(db.pragma('cache_size', { simple: true }), -2000);
  } finally {
    db.close();
  }
});
