import type { Command } from 'commander';
import { resolvePaths, type Paths } from '../config/paths.js';

/** The paths a command works on: TOKENHUB_HOME with the global --config/--db overrides. */
export function pathsOf(cmd: Command): Paths {
  const o = cmd.optsWithGlobals() as { config?: string; db?: string };
  return resolvePaths({ config: o.config, db: o.db });
}

/** Opens the database for one command and closes it afterwards (loaded lazily: --help never pays for SQLite). */
export async function withDb<T>(paths: Paths, fn: (db: import('../store/db.js').Db) => T | Promise<T>): Promise<T> {
  const { openDatabase } = await import('../store/db.js');
  const db = openDatabase(paths.db);
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}

/** Loads and validates config.yaml, or throws the friendly ConfigError. */
export async function loadConfig(paths: Paths) {
  const { loadConfigFile } = await import('../config/load.js');
  return loadConfigFile(paths.config);
}
