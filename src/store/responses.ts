/**
 * The Responses API store: one row per stored response with the conversation input
 * that produced it, scoped to the key that created it. Reads and deletes name the key,
 * so another key's id is simply not found. Writes are small synchronous statements
 * the route runs after the answer is on its way (setImmediate), never before it.
 */
import type { Db } from './db.js';

type Json = Record<string, unknown>;

export interface StoredResponse {
  id: string;
  keyId: string;
  /** ms since the epoch */
  createdAt: number;
  /** the whole conversation input, earlier turns included, as items with ids */
  input: Json[];
  response: Json;
}

export const DEFAULT_RETENTION_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export class ResponsesStore {
  private readonly insert;
  private readonly select;
  private readonly remove;
  private readonly expire;

  constructor(
    db: Db,
    /** days a response is kept; read on every write, so config reloads apply */
    private readonly retentionDays: () => number = () => DEFAULT_RETENTION_DAYS,
    private readonly now: () => number = Date.now,
  ) {
    this.insert = db.prepare(
      // A provider's id seen again replaces that key's row, never another key's.
      `INSERT INTO responses (id, key_id, created_at, expires_at, input, response) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at, expires_at = excluded.expires_at, input = excluded.input, response = excluded.response
       WHERE responses.key_id = excluded.key_id`,
    );
    this.select = db.prepare('SELECT id, key_id, created_at, input, response FROM responses WHERE id = ? AND key_id = ? AND expires_at > ?');
    this.remove = db.prepare('DELETE FROM responses WHERE id = ? AND key_id = ?');
    this.expire = db.prepare('DELETE FROM responses WHERE expires_at <= ?');
  }

  save(r: Omit<StoredResponse, 'createdAt'>): void {
    const createdAt = this.now();
    const expires = createdAt + this.retentionDays() * DAY_MS;
    this.insert.run(r.id, r.keyId, createdAt, expires, JSON.stringify(r.input), JSON.stringify(r.response));
  }

  /** The response if this key stored it and it has not expired. */
  get(id: string, keyId: string): StoredResponse | null {
    const row = this.select.get(id, keyId, this.now()) as { id: string; key_id: string; created_at: number; input: string; response: string } | undefined;
    if (!row) return null;
    return { id: row.id, keyId: row.key_id, createdAt: row.created_at, input: JSON.parse(row.input) as Json[], response: JSON.parse(row.response) as Json };
  }

  delete(id: string, keyId: string): boolean {
    return this.remove.run(id, keyId).changes > 0;
  }

  /** Deletes expired responses; the usage table is another table and keeps every record. */
  prune(): number {
    return this.expire.run(this.now()).changes;
  }
}
