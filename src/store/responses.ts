/**
 * The Responses API store: one row per stored response with the conversation input
 * that produced it, scoped to the key that created it. Reads and deletes name the key,
 * so another key's id is simply not found.
 *
 * Writes are queued and go to SQLite in one transaction per window (`windowMs`), not one
 * statement each: a write of its own cost the event loop ~40 µs a response (a commit per
 * row), a quarter of the throughput of `store: true` Responses traffic under load. What
 * is queued is already what reads see; a crash loses at most one window, as for usage
 * records, and `flush()` (shutdown) writes the rest.
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

/** A row waiting for its window: the values of the INSERT, input and response already JSON text. */
interface QueuedRow {
  id: string;
  keyId: string;
  createdAt: number;
  expiresAt: number;
  input: string;
  response: string;
}

/** A row (queued or read back) as the route uses it: its JSON parsed. */
const stored = (r: Omit<QueuedRow, 'expiresAt'>): StoredResponse => ({
  id: r.id,
  keyId: r.keyId,
  createdAt: r.createdAt,
  input: JSON.parse(r.input) as Json[],
  response: JSON.parse(r.response) as Json,
});

export class ResponsesStore {
  private readonly insert;
  private readonly select;
  private readonly ownerOf;
  private readonly remove;
  private readonly expire;
  private readonly writeQueued;
  /** saved and not yet in the table, by id (one row per id, as in the table) */
  private queued = new Map<string, QueuedRow>();
  private timer: NodeJS.Timeout | undefined;
  /** saves not kept since the last report (the queue was full) */
  private dropped = 0;

  constructor(
    db: Db,
    /** days a response is kept; read on every write, so config reloads apply */
    private readonly retentionDays: () => number = () => DEFAULT_RETENTION_DAYS,
    private readonly now: () => number = Date.now,
    private readonly windowMs = 20,
    private readonly onError: (err: unknown) => void = () => {},
    /** while writes fail (a full disk, a lock held for long), at most this many wait; the oldest go first */
    private readonly maxQueued = 1000,
  ) {
    this.insert = db.prepare(
      // A provider's id seen again replaces that key's row, never another key's.
      `INSERT INTO responses (id, key_id, created_at, expires_at, input, response) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at, expires_at = excluded.expires_at, input = excluded.input, response = excluded.response
       WHERE responses.key_id = excluded.key_id`,
    );
    this.select = db.prepare('SELECT id, key_id, created_at, input, response FROM responses WHERE id = ? AND key_id = ? AND expires_at > ?');
    this.ownerOf = db.prepare('SELECT key_id FROM responses WHERE id = ?').pluck();
    this.remove = db.prepare('DELETE FROM responses WHERE id = ? AND key_id = ?');
    this.expire = db.prepare('DELETE FROM responses WHERE expires_at <= ?');
    this.writeQueued = db.transaction((rows: QueuedRow[]) => {
      for (const r of rows) this.insert.run(r.id, r.keyId, r.createdAt, r.expiresAt, r.input, r.response);
    });
  }

  /**
   * Queues a response for the next window. `response` may be the answer's JSON text as the
   * client got it (kept as it is, not parsed and re-serialised).
   */
  save(r: { id: string; keyId: string; input: Json[]; response: Json | string }): void {
    const held = this.queued.get(r.id);
    if (held && held.keyId !== r.keyId) return; // another key's id: the first key's row stays, as in the table
    if (!held && this.queued.size >= this.maxQueued) {
      // Only while writes fail: a stored answer is a convenience (previous_response_id), memory is not unbounded.
      this.queued.delete(this.queued.keys().next().value!);
      this.dropped++;
    }
    const createdAt = this.now();
    const response = typeof r.response === 'string' ? r.response : JSON.stringify(r.response);
    this.queued.set(r.id, { id: r.id, keyId: r.keyId, createdAt, expiresAt: createdAt + this.retentionDays() * DAY_MS, input: JSON.stringify(r.input), response });
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.windowMs);
      this.timer.unref();
    }
  }

  /** Writes what is queued, in one transaction; false when the write failed (kept for a retry). */
  flush(): boolean {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queued.size === 0) return true;
    const rows = [...this.queued.values()];
    try {
      this.writeQueued.immediate(rows);
      this.queued = new Map();
      return true;
    } catch (err) {
      this.onError(err);
      if (this.dropped > 0) this.onError(new Error(`${this.dropped} stored responses were not kept: writes failed while ${this.maxQueued} waited`));
      this.dropped = 0;
      this.timer = setTimeout(() => this.flush(), 100);
      this.timer.unref();
      return false;
    }
  }

  /** The response if this key stored it and it has not expired (queued or in the table). */
  get(id: string, keyId: string): StoredResponse | null {
    const held = this.queued.get(id);
    // A queued row another key's row in the table would keep out is not this key's.
    if (held && held.keyId === keyId && held.expiresAt > this.now() && (this.ownerOf.get(id) ?? keyId) === keyId) return stored(held);
    const row = this.select.get(id, keyId, this.now()) as { id: string; key_id: string; created_at: number; input: string; response: string } | undefined;
    return row ? stored({ id: row.id, keyId: row.key_id, createdAt: row.created_at, input: row.input, response: row.response }) : null;
  }

  delete(id: string, keyId: string): boolean {
    const held = this.queued.get(id);
    const wasQueued = held !== undefined && held.keyId === keyId && (this.ownerOf.get(id) ?? keyId) === keyId;
    if (wasQueued) this.queued.delete(id);
    return this.remove.run(id, keyId).changes > 0 || wasQueued;
  }

  /** Deletes expired responses; the usage table is another table and keeps every record. */
  prune(): number {
    this.flush();
    return this.expire.run(this.now()).changes;
  }
}
