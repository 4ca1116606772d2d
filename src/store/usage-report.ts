/**
 * `tokenhub usage` as data: totals and per-group rows (provider, model, key or UTC day)
 * computed in SQLite, with the median latency of successful requests per group.
 */
import type { Db } from './db.js';
import { USAGE_AGGREGATES, usageWhere, type UsageFilter, type UsageTotals } from './usage.js';

export const GROUPINGS = ['provider', 'model', 'key', 'day'] as const;
export type Grouping = (typeof GROUPINGS)[number];

export interface UsageRow extends UsageTotals {
  /** the group's value (provider name, served model, key id, YYYY-MM-DD); null for the totals */
  group: string | null;
  /** for --by key: the key's name */
  label: string | null;
  /** median latency of successful requests, ms; null when none succeeded */
  p50LatencyMs: number | null;
}

export interface UsageReport {
  totals: UsageRow;
  groups: UsageRow[];
}

const GROUP_SQL: Record<Grouping, string> = {
  provider: "COALESCE(u.provider, '(none)')",
  model: "COALESCE(u.served_model, u.requested_model, '(none)')",
  key: "COALESCE(u.key_id, '(none)')",
  day: "strftime('%Y-%m-%d', u.ts / 1000, 'unixepoch')",
};


interface RawRow extends Omit<UsageRow, 'p50LatencyMs' | 'label'> {
  label: string | null;
}

/** Median per group in one pass: number successful rows by latency, take the middle one (or the mean of the two middles). */
function medians(db: Db, groupSql: string, w: { sql: string; args: unknown[] }): Map<string | null, number> {
  const ok = w.sql ? `${w.sql} AND u.status < 400` : 'WHERE u.status < 400';
  const rows = db
    .prepare(
      `SELECT grp, AVG(latency_ms) AS p50 FROM (
         SELECT ${groupSql} AS grp, u.latency_ms,
                ROW_NUMBER() OVER (PARTITION BY ${groupSql} ORDER BY u.latency_ms) AS rn,
                COUNT(*) OVER (PARTITION BY ${groupSql}) AS cnt
           FROM usage u ${ok} AND u.latency_ms IS NOT NULL)
       WHERE rn IN ((cnt + 1) / 2, (cnt + 2) / 2)
       GROUP BY grp`,
    )
    .all(...w.args) as { grp: string | null; p50: number }[];
  return new Map(rows.map((r) => [r.grp, Math.round(r.p50 * 100) / 100]));
}

const AGGREGATES = USAGE_AGGREGATES;

export function usageReport(db: Db, filter: UsageFilter = {}, by?: Grouping): UsageReport {
  const w = usageWhere(filter, 'u.');
  const totalRow = db.prepare(`SELECT NULL AS "group", NULL AS label, ${AGGREGATES} FROM usage u ${w.sql}`).get(...w.args) as RawRow;
  const totalP50 = medians(db, 'NULL', w).get(null) ?? null;
  const totals: UsageRow = { ...totalRow, p50LatencyMs: totalP50 };
  if (!by) return { totals, groups: [] };
  const g = GROUP_SQL[by];
  const label = by === 'key' ? '(SELECT name FROM keys k WHERE k.id = u.key_id)' : 'NULL';
  const raw = db
    .prepare(`SELECT ${g} AS "group", MAX(${label}) AS label, ${AGGREGATES} FROM usage u ${w.sql} GROUP BY 1 ORDER BY ${by === 'day' ? '1' : 'costUsd DESC, requests DESC, 1'}`)
    .all(...w.args) as RawRow[];
  const p50 = medians(db, g, w);
  return { totals, groups: raw.map((r) => ({ ...r, p50LatencyMs: p50.get(r.group) ?? null })) };
}
