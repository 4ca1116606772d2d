import type { Db } from './db.js';
import { displayPrefix, generateKey, generateKeyId, hashKey } from '../keys/format.js';

export type BudgetPeriod = 'day' | 'week' | 'month' | 'total';

export interface KeyLimits {
  models: string[] | null;
  ips: string[] | null;
  budgetUsd: number | null;
  budgetPeriod: BudgetPeriod | null;
  rpm: number | null;
  tpm: number | null;
  expiresAt: number | null;
}

export interface ApiKeyRecord extends KeyLimits {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  createdAt: number;
  revokedAt: number | null;
  updatedAt: number;
}

export interface NewKey extends Partial<KeyLimits> {
  name?: string;
}

/** Keys behind a small interface: SQLite today, something else later without touching the gateway. */
export interface KeyStore {
  create(input: NewKey): { record: ApiKeyRecord; key: string };
  list(): ApiKeyRecord[];
  /** by id, or by a unique prefix of the id or of the displayed key prefix, or by the name of exactly one active key */
  find(ref: string): ApiKeyRecord | undefined;
  revoke(id: string): boolean;
  update(id: string, patch: Partial<KeyLimits> & { name?: string }): ApiKeyRecord | undefined;
}

interface KeyRow {
  id: string;
  name: string;
  prefix: string;
  hash: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  models: string | null;
  ips: string | null;
  budget_usd: number | null;
  budget_period: string | null;
  rpm: number | null;
  tpm: number | null;
  updated_at: number;
}

const fromRow = (r: KeyRow): ApiKeyRecord => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  hash: r.hash,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  models: r.models ? (JSON.parse(r.models) as string[]) : null,
  ips: r.ips ? (JSON.parse(r.ips) as string[]) : null,
  budgetUsd: r.budget_usd,
  budgetPeriod: (r.budget_period as BudgetPeriod | null) ?? null,
  rpm: r.rpm,
  tpm: r.tpm,
  updatedAt: r.updated_at,
});

const jsonList = (v: string[] | null | undefined): string | null => (v && v.length ? JSON.stringify(v) : null);

export class SqliteKeyStore implements KeyStore {
  constructor(private readonly db: Db) {}

  create(input: NewKey): { record: ApiKeyRecord; key: string } {
    const key = generateKey();
    const now = Date.now();
    const row: KeyRow = {
      id: generateKeyId(),
      name: input.name ?? 'unnamed',
      prefix: displayPrefix(key),
      hash: hashKey(key),
      created_at: now,
      expires_at: input.expiresAt ?? null,
      revoked_at: null,
      models: jsonList(input.models),
      ips: jsonList(input.ips),
      budget_usd: input.budgetUsd ?? null,
      budget_period: input.budgetUsd != null ? (input.budgetPeriod ?? 'total') : null,
      rpm: input.rpm ?? null,
      tpm: input.tpm ?? null,
      updated_at: now,
    };
    this.db
      .prepare(
        `INSERT INTO keys (id, name, prefix, hash, created_at, expires_at, revoked_at, models, ips, budget_usd, budget_period, rpm, tpm, updated_at)
         VALUES (@id, @name, @prefix, @hash, @created_at, @expires_at, @revoked_at, @models, @ips, @budget_usd, @budget_period, @rpm, @tpm, @updated_at)`,
      )
      .run(row);
    return { record: fromRow(row), key };
  }

  list(): ApiKeyRecord[] {
    return (this.db.prepare('SELECT * FROM keys ORDER BY created_at, id').all() as KeyRow[]).map(fromRow);
  }

  find(ref: string): ApiKeyRecord | undefined {
    const exact = this.db.prepare('SELECT * FROM keys WHERE id = ?').get(ref) as KeyRow | undefined;
    if (exact) return fromRow(exact);
    const like = ref.replace(/[%_\\]/g, (c) => '\\' + c) + '%';
    const rows = this.db
      .prepare(`SELECT * FROM keys WHERE id LIKE ? ESCAPE '\\' OR prefix LIKE ? ESCAPE '\\' LIMIT 2`)
      .all(like, like) as KeyRow[];
    if (rows.length === 1) return fromRow(rows[0]!);
    if (rows.length > 1) return undefined;
    // last, a name that exactly one active key carries
    const named = this.db.prepare('SELECT * FROM keys WHERE name = ? AND revoked_at IS NULL LIMIT 2').all(ref) as KeyRow[];
    return named.length === 1 ? fromRow(named[0]!) : undefined;
  }

  revoke(id: string): boolean {
    const now = Date.now();
    return this.db.prepare('UPDATE keys SET revoked_at = ?, updated_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, now, id).changes > 0;
  }

  /**
   * Changes the fields present in `patch` (null clears a limit). Read and write happen in
   * one IMMEDIATE transaction, so two processes editing at once cannot lose either edit.
   */
  update(id: string, patch: Partial<KeyLimits> & { name?: string }): ApiKeyRecord | undefined {
    return this.db.transaction(() => this.updateNow(id, patch)).immediate();
  }

  private updateNow(id: string, patch: Partial<KeyLimits> & { name?: string }): ApiKeyRecord | undefined {
    const current = this.find(id);
    if (!current) return undefined;
    const next = { ...current };
    for (const [k, v] of Object.entries(patch)) if (v !== undefined) (next as Record<string, unknown>)[k] = v;
    this.db
      .prepare(
        `UPDATE keys SET name = ?, expires_at = ?, models = ?, ips = ?, budget_usd = ?, budget_period = ?, rpm = ?, tpm = ?, updated_at = ? WHERE id = ?`,
      )
      .run(
        next.name,
        next.expiresAt,
        jsonList(next.models),
        jsonList(next.ips),
        next.budgetUsd,
        next.budgetUsd != null ? (next.budgetPeriod ?? 'total') : null,
        next.rpm,
        next.tpm,
        Date.now(),
        current.id,
      );
    return this.find(current.id);
  }
}
