import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensureHome } from '../config/paths.js';
import { migrate } from './migrations/index.js';

export type Db = Database.Database;

/**
 * Opens (creating if needed) the SQLite database in WAL mode with a busy timeout,
 * so the CLI and the daemon can write at once without losing either write.
 */
export function openDatabase(file: string): Db {
  ensureHome(dirname(file));
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  const db = new Database(file);
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  try {
    migrate(db, file); // first: a database from a newer TokenHub is refused before anything changes it
  } catch (err) {
    db.close();
    throw err;
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // better-sqlite3 builds SQLite with a 16 MB page cache per connection. The daemon holds two
  // (requests, usage writer thread) and the usage table's random request-id index touches
  // pages across the whole file, so each cache filled towards 16 MB as the table grew: RSS
  // rose ~22 MB per 100,000 requests in the soak (bench/soak.mjs) while the JS heap stayed
  // flat. 2 MB holds the hot pages; the rest is the OS's file cache, which is not our RSS.
  db.pragma('cache_size = -2000');
  for (const side of ['-wal', '-shm']) {
    try {
      chmodSync(file + side, 0o600);
    } catch {
      /* not created yet */
    }
  }
  return db;
}
