import type { Migration } from './index.js';

/**
 * Stored Responses API answers (store: true, the default), so previous_response_id can
 * continue a conversation on any provider and GET /v1/responses/{id} finds it. Each row
 * holds the whole conversation input that produced the response (earlier turns
 * included), so continuing needs one row, not a walk back through the chain. Rows are
 * scoped to the key that created them and expire after the configured retention.
 */
export const responsesStore: Migration = {
  version: 40,
  name: 'responses-store',
  up: `
    CREATE TABLE responses (
      id          TEXT PRIMARY KEY,
      key_id      TEXT NOT NULL,
      created_at  INTEGER NOT NULL,
      expires_at  INTEGER NOT NULL,
      input       TEXT NOT NULL,
      response    TEXT NOT NULL
    );
    CREATE INDEX responses_expires_at ON responses (expires_at);
  `,
};
