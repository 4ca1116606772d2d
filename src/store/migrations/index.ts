import type { Database } from 'better-sqlite3';
import { init } from './0010-init.js';
import { keysVersion } from './0020-keys-version.js';
import { usageCacheReasoning } from './0030-usage-cache-reasoning.js';
import { responsesStore } from './0040-responses.js';

export interface Migration {
  /** written to PRAGMA user_version once applied; numbered 10, 20, 30… */
  version: number;
  name: string;
  up: string | ((db: Database) => void);
}

/** Every migration, in order. A new one is a new file and one line here. */
export const MIGRATIONS: Migration[] = [init, keysVersion, usageCacheReasoning, responsesStore];

export class DatabaseTooNewError extends Error {
  readonly code = 'db_too_new';
  constructor(file: string, found: number, known: number) {
    super(`${file} was written by a newer TokenHub (schema ${found}, this one knows up to ${known}); upgrade tokenhub`);
    this.name = 'DatabaseTooNewError';
  }
}

/** Applies the missing migrations, each in its own transaction with its user_version. */
export function migrate(db: Database, file: string, migrations: Migration[] = MIGRATIONS): number {
  const latest = migrations.at(-1)?.version ?? 0;
  let current = db.pragma('user_version', { simple: true }) as number;
  if (current > latest) throw new DatabaseTooNewError(file, current, latest);
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      if (typeof m.up === 'string') db.exec(m.up);
      else m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    current = m.version;
  }
  return current;
}
