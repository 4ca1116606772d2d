import type { GroupStats, MetricsSnapshot, ProviderStats, RecentRequest } from '../metrics/snapshot.js';
import { bar, sparkline } from './charts.js';
import type { ColumnSpec, FittedColumn } from './columns.js';
import { fit, formatClock, formatCount, formatMs, formatPct, formatUsd } from './format.js';

export type View = 'providers' | 'models' | 'keys';
export const VIEWS: readonly View[] = ['providers', 'models', 'keys'];

/** A cell's text at its final width, plus a hint for colouring it. */
export interface Cell {
  text: string;
  tone?: Tone;
}
export type Tone = 'good' | 'warn' | 'bad' | 'accent' | 'dim';

type GroupColumn = 'name' | 'bar' | 'share' | 'reqs' | 'p50' | 'p95' | 'errors' | 'circuit' | 'cost' | 'spark';

export function groupColumns(view: View): ColumnSpec<GroupColumn>[] {
  const title = view === 'providers' ? 'PROVIDER' : view === 'models' ? 'MODEL' : 'KEY';
  const cols: ColumnSpec<GroupColumn>[] = [
    { id: 'name', title, width: 10, grow: 14, priority: 0 },
    { id: 'bar', title: 'SHARE', width: 8, grow: 8, priority: 4 },
    { id: 'share', title: '', width: 5, align: 'right', priority: 1 },
    { id: 'reqs', title: 'REQS', width: 6, align: 'right', priority: 0 },
    { id: 'p50', title: 'P50', width: 6, align: 'right', priority: 1 },
    { id: 'p95', title: 'P95', width: 6, align: 'right', priority: 2 },
    { id: 'errors', title: 'ERR', width: 5, align: 'right', priority: 1 },
  ];
  if (view === 'providers') {
    cols.push({ id: 'circuit', title: 'CIRCUIT', width: 7, priority: 1 });
    cols.push({ id: 'spark', title: 'LATENCY', width: 8, grow: 12, priority: 3 });
  } else {
    cols.push({ id: 'cost', title: 'COST', width: 8, align: 'right', priority: 2 });
  }
  return cols;
}

export function groupsOf(snap: MetricsSnapshot, view: View): GroupStats[] {
  if (view === 'providers') return snap.providers;
  if (view === 'models') return snap.models;
  return snap.keys.map((k) => ({ ...k, name: k.keyName ?? k.keyId ?? k.name }));
}

/** Without the bar, the share number carries the SHARE title. */
export function headerCells(cols: readonly FittedColumn<GroupColumn>[]): Cell[] {
  const hasBar = cols.some((c) => c.id === 'bar');
  return cols.map((c) => {
    const title = c.id === 'share' && !hasBar ? 'SHARE' : c.title;
    return { text: fit(title, c.size, c.align), tone: 'dim' };
  });
}

export function groupCells(g: GroupStats, cols: readonly FittedColumn<GroupColumn>[]): Cell[] {
  const p = g as Partial<ProviderStats>;
  return cols.map((c): Cell => {
    const text = (s: string): string => fit(s, c.size, c.align);
    switch (c.id) {
      case 'name':
        return { text: text(g.name) };
      case 'bar':
        return { text: bar(g.share, c.size), tone: 'accent' };
      case 'share':
        return { text: text(formatPct(g.share)) };
      case 'reqs':
        return { text: text(formatCount(g.requests)) };
      case 'p50':
        return { text: text(formatMs(g.latencyMs.p50)) };
      case 'p95':
        return { text: text(formatMs(g.latencyMs.p95)) };
      case 'errors': {
        const n = g.errors + (p.failedAttempts ?? 0);
        return { text: text(formatCount(n)), tone: n > 0 ? 'bad' : undefined };
      }
      case 'circuit':
        return circuitCell(p, c.size);
      case 'cost':
        return { text: text(formatUsd(g.costUsd)) };
      case 'spark':
        return { text: sparkline(p.recentLatencyMs ?? [], c.size), tone: 'accent' };
    }
  });
}

function circuitCell(p: Partial<ProviderStats>, size: number): Cell {
  if (p.authFailed) return { text: fit('bad key', size), tone: 'bad' };
  if (p.circuit === 'open') return { text: fit('open', size), tone: 'bad' };
  if (p.circuit === 'half_open') return { text: fit('probing', size), tone: 'warn' };
  return { text: fit('ok', size), tone: 'good' };
}

type TailColumn = 'time' | 'key' | 'route' | 'status' | 'latency' | 'tokens' | 'cost';

export const TAIL_COLUMNS: ColumnSpec<TailColumn>[] = [
  { id: 'time', title: 'TIME', width: 8, priority: 3 },
  { id: 'key', title: 'KEY', width: 8, grow: 2, priority: 2 },
  { id: 'route', title: 'MODEL → PROVIDER/MODEL', width: 24, grow: 40, priority: 0 },
  { id: 'status', title: 'ST', width: 3, align: 'right', priority: 0 },
  { id: 'latency', title: 'TIME', width: 6, align: 'right', priority: 1 },
  { id: 'tokens', title: 'TOK', width: 5, align: 'right', priority: 3 },
  { id: 'cost', title: 'COST', width: 8, align: 'right', priority: 1 },
];

export function tailHeader(cols: readonly FittedColumn<TailColumn>[]): Cell[] {
  return cols.map((c) => ({ text: fit(c.id === 'latency' ? 'MS' : c.title, c.size, c.align), tone: 'dim' }));
}

export function routeText(r: RecentRequest): string {
  const requested = r.requestedModel ?? '?';
  if (!r.provider) return `${requested} → ${r.errorCode ?? 'no provider'}`;
  const served = r.servedModel ?? requested;
  // Served models may already carry their provider prefix.
  const target = served.startsWith(`${r.provider}/`) ? served : `${r.provider}/${served}`;
  const tries = r.attempts > 1 ? ` (${r.attempts} tries)` : '';
  return requested === target ? `${target}${tries}` : `${requested} → ${target}${tries}`;
}

export function tailCells(r: RecentRequest, cols: readonly FittedColumn<TailColumn>[], utc = false): Cell[] {
  return cols.map((c): Cell => {
    const text = (s: string): string => fit(s, c.size, c.align);
    switch (c.id) {
      case 'time':
        return { text: text(formatClock(r.ts, utc)), tone: 'dim' };
      case 'key':
        return { text: text(r.keyName ?? r.keyId ?? '–') };
      case 'route':
        return { text: text(routeText(r)) };
      case 'status':
        return { text: text(String(r.status)), tone: r.status >= 400 ? 'bad' : 'good' };
      case 'latency':
        return { text: text(formatMs(r.latencyMs)) };
      case 'tokens':
        return { text: text(formatCount(r.promptTokens + r.completionTokens)) };
      case 'cost':
        return { text: text(formatUsd(r.costUsd)) };
    }
  });
}
