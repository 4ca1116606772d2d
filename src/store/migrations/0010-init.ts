import type { Migration } from './index.js';

export const init: Migration = {
  version: 10,
  name: 'init',
  up: `
    CREATE TABLE keys (
      id            TEXT PRIMARY KEY,
      name          TEXT NOT NULL,
      prefix        TEXT NOT NULL,
      hash          TEXT NOT NULL UNIQUE,
      created_at    INTEGER NOT NULL,
      expires_at    INTEGER,
      revoked_at    INTEGER,
      models        TEXT,
      ips           TEXT,
      budget_usd    REAL,
      budget_period TEXT,
      rpm           INTEGER,
      tpm           INTEGER,
      updated_at    INTEGER NOT NULL
    );

    CREATE TABLE usage (
      request_id        TEXT PRIMARY KEY,
      ts                INTEGER NOT NULL,
      key_id            TEXT,
      endpoint          TEXT NOT NULL,
      requested_model   TEXT,
      served_model      TEXT,
      provider          TEXT,
      strategy          TEXT,
      attempts          INTEGER NOT NULL DEFAULT 0,
      attempt_log       TEXT,
      stream            INTEGER NOT NULL DEFAULT 0,
      status            INTEGER NOT NULL,
      error_code        TEXT,
      latency_ms        REAL,
      ttfb_ms           REAL,
      prompt_tokens     INTEGER NOT NULL DEFAULT 0,
      completion_tokens INTEGER NOT NULL DEFAULT 0,
      cached_tokens     INTEGER NOT NULL DEFAULT 0,
      usage_estimated   INTEGER NOT NULL DEFAULT 0,
      cost_usd          REAL
    );
    CREATE INDEX usage_ts ON usage (ts);
    CREATE INDEX usage_key_ts ON usage (key_id, ts);
  `,
};
