import type { Db } from './db.js';

export type Endpoint = 'chat' | 'completions' | 'embeddings' | 'messages' | 'generate_content' | 'responses';

export interface AttemptLog {
  provider: string;
  model: string;
  /** HTTP status from the provider, or absent for a connection error/timeout */
  status?: number;
  error?: string;
  ms: number;
}

/** One record per request that reached routing (SPEC section 5). */
export interface UsageRecord {
  requestId: string;
  ts: number;
  keyId: string | null;
  endpoint: Endpoint;
  requestedModel: string | null;
  servedModel: string | null;
  provider: string | null;
  strategy: string | null;
  attempts: AttemptLog[];
  stream: boolean;
  status: number;
  errorCode: string | null;
  latencyMs: number;
  ttfbMs: number | null;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  /** prompt tokens written to the provider's cache (a subset of promptTokens; Anthropic prices them apart) */
  cacheWriteTokens?: number;
  /** completion tokens spent on reasoning (a subset of completionTokens) */
  reasoningTokens?: number;
  /** true when the provider reported no usage and the gateway counted it itself */
  usageEstimated: boolean;
  costUsd: number | null;
}

export interface UsageSink {
  record(rec: UsageRecord): void;
  /** writes everything queued; resolves once it is on disk */
  flush(): void;
  close(): void;
  /** records that may not be on disk yet, counted into a budget as it loads (none if omitted) */
  pending?(): readonly UsageRecord[];
}

/** A usage record as the usage table's INSERT takes it: its 22 values in column order. */
export type UsageRow = [
  string, number, string | null, Endpoint, string | null, string | null, string | null, string | null, number, string | null,
  number, number, string | null, number, number | null, number, number, number, number, number, number, number | null,
];

/**
 * A record as its row. Also what crosses to the writer thread: an array of numbers and
 * strings is cloned faster than an object with 20-odd named fields (postMessage showed
 * in the daemon's profile).
 */
export function usageRow(r: UsageRecord): UsageRow {
  return [
    r.requestId, r.ts, r.keyId, r.endpoint, r.requestedModel, r.servedModel, r.provider, r.strategy,
    r.attempts.length, r.attempts.length ? JSON.stringify(r.attempts) : null,
    r.stream ? 1 : 0, r.status, r.errorCode, r.latencyMs, r.ttfbMs, r.promptTokens, r.completionTokens, r.cachedTokens,
    r.cacheWriteTokens ?? 0, r.reasoningTokens ?? 0, r.usageEstimated ? 1 : 0, r.costUsd,
  ];
}

/**
 * Queues usage records and writes them in one transaction every few milliseconds,
 * so a request never waits on SQLite. A crash loses at most one batch window.
 */
export class BatchedUsageWriter implements UsageSink {
  private queue: UsageRow[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly insert;
  private readonly writeBatch;
  private closed = false;

  constructor(
    db: Db,
    private readonly windowMs = 5,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    this.insert = db.prepare(
      `INSERT OR IGNORE INTO usage (request_id, ts, key_id, endpoint, requested_model, served_model, provider, strategy, attempts, attempt_log,
         stream, status, error_code, latency_ms, ttfb_ms, prompt_tokens, completion_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, usage_estimated, cost_usd)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.writeBatch = db.transaction((batch: UsageRow[]) => {
      for (const row of batch) this.insert.run(row);
    });
  }

  record(rec: UsageRecord): void {
    this.recordRows([usageRow(rec)]);
  }

  /** Records already turned into rows (usageRow), as the writer thread receives them. */
  recordRows(rows: UsageRow[]): void {
    for (const row of rows) this.queue.push(row);
    if (this.closed) {
      this.flush();
      return;
    }
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.windowMs);
    }
  }

  /** Writes what is queued; false when the write failed (the records stay queued for a retry). */
  flush(): boolean {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.queue.length === 0) return true;
    const batch = this.queue;
    this.queue = [];
    try {
      this.writeBatch.immediate(batch);
      return true;
    } catch (err) {
      // Keep the records for the next window rather than lose them (SQLITE_BUSY past the timeout).
      this.queue = batch.concat(this.queue);
      this.onError(err);
      if (!this.closed) this.timer = setTimeout(() => this.flush(), 100);
      return false;
    }
  }

  close(): void {
    this.closed = true;
    this.flush();
  }
}

export interface UsageFilter {
  since?: number;
  keyId?: string;
}

export interface UsageTotals {
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costUsd: number;
  /** records whose model had no price: served, but not in costUsd */
  unpriced: number;
}

/** The WHERE clause for a filter; `alias` prefixes the columns (`u.` when the query names the table `u`). */
export function usageWhere(filter: UsageFilter, alias = ''): { sql: string; args: unknown[] } {
  const parts: string[] = [];
  const args: unknown[] = [];
  if (filter.since !== undefined) {
    parts.push(`${alias}ts >= ?`);
    args.push(filter.since);
  }
  if (filter.keyId !== undefined) {
    parts.push(`${alias}key_id = ?`);
    args.push(filter.keyId);
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', args };
}

/** The totals every usage query reports, over the rows of `usage u`. */
export const USAGE_AGGREGATES = `COUNT(*) AS requests,
  COALESCE(SUM(u.status >= 400), 0) AS errors,
  COALESCE(SUM(u.prompt_tokens), 0) AS promptTokens,
  COALESCE(SUM(u.completion_tokens), 0) AS completionTokens,
  COALESCE(SUM(u.cached_tokens), 0) AS cachedTokens,
  COALESCE(SUM(u.cache_write_tokens), 0) AS cacheWriteTokens,
  COALESCE(SUM(u.reasoning_tokens), 0) AS reasoningTokens,
  COALESCE(SUM(u.cost_usd), 0) AS costUsd,
  COALESCE(SUM(u.cost_usd IS NULL AND u.status < 400), 0) AS unpriced`;

export function usageTotals(db: Db, filter: UsageFilter = {}): UsageTotals {
  const w = usageWhere(filter, 'u.');
  return db.prepare(`SELECT ${USAGE_AGGREGATES} FROM usage u ${w.sql}`).get(...w.args) as UsageTotals;
}

/**
 * A key's spend since a time: what a budget starts from at startup and on period changes.
 * `pending` are records a writer holds that may not be on disk yet: each counts unless
 * the table already has it, read in one snapshot, so none counts twice or not at all and
 * nobody waits for the writer.
 */
export function spendSince(db: Db, keyId: string, since: number, pending: readonly UsageRecord[] = []): number {
  const mine = pending.filter((r) => r.keyId === keyId && r.ts >= since && r.costUsd);
  const read = db.transaction(() => {
    let spent = (db.prepare('SELECT COALESCE(SUM(cost_usd), 0) AS spent FROM usage WHERE key_id = ? AND ts >= ?').get(keyId, since) as { spent: number }).spent;
    const written = db.prepare('SELECT 1 FROM usage WHERE request_id = ?').pluck();
    for (const r of mine) if (written.get(r.requestId) === undefined) spent += r.costUsd!;
    return spent;
  });
  return read();
}
