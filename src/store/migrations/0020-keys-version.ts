import type { Migration } from './index.js';

/**
 * A counter that every change to the keys table bumps, so the daemon reloads keys
 * when they changed rather than whenever anything (e.g. a usage write) committed.
 */
export const keysVersion: Migration = {
  version: 20,
  name: 'keys-version',
  up: `
    CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO meta (name, value) VALUES ('keys_version', 0);
    CREATE TRIGGER keys_version_insert AFTER INSERT ON keys BEGIN
      UPDATE meta SET value = value + 1 WHERE name = 'keys_version';
    END;
    CREATE TRIGGER keys_version_update AFTER UPDATE ON keys BEGIN
      UPDATE meta SET value = value + 1 WHERE name = 'keys_version';
    END;
    CREATE TRIGGER keys_version_delete AFTER DELETE ON keys BEGIN
      UPDATE meta SET value = value + 1 WHERE name = 'keys_version';
    END;
  `,
};
