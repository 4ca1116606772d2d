import type { MetricsSnapshot } from '../metrics/snapshot.js';
import { sparkline } from './charts.js';
import { fit, formatCount, formatPct, formatRate, formatUptime, formatUsd } from './format.js';
import { VIEWS, type View } from './rows.js';

export interface ScreenPlan {
  tableRows: number;
  /** groups that did not fit, summarised in one "+N more" line */
  hiddenGroups: number;
  tailRows: number;
}

/**
 * Splits the terminal's height between the group table and the request tail. One line
 * is kept free: Ink clears the whole screen on every frame once output fills it.
 */
export function planScreen(height: number, groupCount: number): ScreenPlan {
  // header 2, blank, table header, blank, tail header, footer
  const fixed = 7;
  const room = Math.max(2, height - 1 - fixed);
  let tableRows = Math.min(groupCount, Math.max(1, Math.ceil(room / 2)));
  let hiddenGroups = groupCount - tableRows;
  if (hiddenGroups > 0) {
    // the "+N more" line takes the last row
    tableRows = Math.max(1, tableRows - 1);
    hiddenGroups = groupCount - tableRows;
  }
  // an empty table still shows one "no providers yet" line
  const tableLines = Math.max(1, tableRows + (hiddenGroups > 0 ? 1 : 0));
  const tailRows = Math.max(0, room - tableLines);
  return { tableRows, hiddenGroups, tailRows };
}

export function viewTabs(view: View): string {
  return VIEWS.map((v) => (v === view ? `[${v}]` : ` ${v} `)).join('');
}

/** "TokenHub  <url>  up 3m05s" on the left, view tabs (and PAUSED) on the right. */
export function titleLine(snap: MetricsSnapshot | null, url: string, view: View, paused: boolean, width: number): string {
  const right = (paused ? 'PAUSED  ' : '') + viewTabs(view);
  let left = `TokenHub  ${url}`;
  if (snap) left += `  up ${formatUptime(snap.uptimeMs)}`;
  const room = width - right.length - 1;
  if (room < 8) return fit(right, width);
  return fit(left, room) + ' ' + right;
}

/** requests/s, error rate, spend today and requests, then a requests/s sparkline if it fits. */
/** Tokens in and out, with the cache reads/writes and reasoning that price differently. */
function tokensPart(k: MetricsSnapshot['totals']['tokens']): string {
  const cache = k.cached || k.cacheWrite ? ` (cache ${formatCount(k.cached)} read, ${formatCount(k.cacheWrite)} write)` : '';
  const reasoning = k.reasoning ? ` (${formatCount(k.reasoning)} reasoning)` : '';
  return `tok ${formatCount(k.prompt)} in${cache} ${formatCount(k.completion)} out${reasoning}`;
}

export function statsLine(snap: MetricsSnapshot, width: number): string {
  const t = snap.totals;
  const parts = [
    `req/s ${formatRate(t.rps1s)} (1m ${formatRate(t.rps60s)})`,
    `errors ${formatPct(t.errorRate)}`,
    `spend today ${formatUsd(snap.spendTodayUsd)}`,
    `${formatCount(t.requests)} reqs`,
  ];
  let line = parts.join('  ');
  while (line.length > width && parts.length > 1) {
    parts.pop();
    line = parts.join('  ');
  }
  const sparkRoom = width - line.length - 2;
  if (sparkRoom >= 10) line += '  ' + sparkline(snap.rpsSeries, Math.min(30, sparkRoom), true);
  // Tokens come last: on a wide terminal only, after the traffic sparkline.
  const tokens = tokensPart(t.tokens);
  if (line.length + 2 + tokens.length <= width) line += '  ' + tokens;
  return fit(line, width);
}
