import { Option, type Command } from 'commander';
import type { Grouping, UsageRow } from '../store/usage-report.js';
import { pathsOf, withDb } from './context.js';
import { CliError, formatUsd, note, printJson, println, style, table } from './output.js';
import { parseSince } from './parse.js';

interface UsageOptions {
  since?: number;
  key?: string;
  by?: Grouping;
  json?: boolean;
}

function rowJson(r: UsageRow) {
  return {
    requests: r.requests,
    errors: r.errors,
    prompt_tokens: r.promptTokens,
    completion_tokens: r.completionTokens,
    cached_tokens: r.cachedTokens,
    cache_write_tokens: r.cacheWriteTokens,
    reasoning_tokens: r.reasoningTokens,
    cost_usd: r.costUsd,
    unpriced_requests: r.unpriced,
    p50_latency_ms: r.p50LatencyMs,
  };
}

const int = (n: number) => n.toLocaleString('en-US');
const ms = (n: number | null) => (n === null ? '—' : n >= 1000 ? `${(n / 1000).toFixed(2)}s` : `${Math.round(n)}ms`);
/** A cost with a mark when some requests had no price (so the figure is a lower bound). */
const cost = (r: UsageRow) => (r.unpriced === r.requests - r.errors && r.unpriced > 0 ? 'unpriced' : formatUsd(r.costUsd) + (r.unpriced ? '*' : ''));
const cells = (r: UsageRow) => [int(r.requests), int(r.errors), int(r.promptTokens), int(r.completionTokens), int(r.cachedTokens), int(r.cacheWriteTokens), int(r.reasoningTokens), cost(r), ms(r.p50LatencyMs)];

export function registerUsage(program: Command): void {
  program
    .command('usage')
    .description('report recorded requests, errors, tokens, cost and median latency, in total or grouped')
    .option('--since <when>', 'a duration like 24h or 7d, or an ISO date (default: everything)', (v) => parseSince(v))
    .option('--key <id-or-prefix>', 'only this key')
    .addOption(new Option('--by <group>', 'one row per provider, model, key or UTC day').choices(['provider', 'model', 'key', 'day']))
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Costs come from the prices in config.yaml; requests to models without a price are
counted but not costed (marked * or "unpriced"). P50 is the median latency of the
successful requests.

Examples:
  $ tokenhub usage --since 24h
  $ tokenhub usage --by model --since 7d
  $ tokenhub usage --key key_AbC --by day --json`,
    )
    .action(async (opts: UsageOptions, cmd: Command) => {
      const [{ usageReport }, { SqliteKeyStore }] = await Promise.all([import('../store/usage-report.js'), import('../store/keys.js')]);
      const { report, keyId } = await withDb(pathsOf(cmd), (db) => {
        let keyId: string | undefined;
        if (opts.key) {
          const k = new SqliteKeyStore(db).find(opts.key);
          if (!k) throw new CliError(`no key matches ${JSON.stringify(opts.key)}`);
          keyId = k.id;
        }
        return { report: usageReport(db, { since: opts.since, keyId }, opts.by), keyId };
      });
      const since = opts.since ? new Date(opts.since).toISOString() : null;
      const { totals, groups } = report;
      if (opts.json) {
        return printJson({
          since,
          key: keyId ?? null,
          by: opts.by ?? null,
          ...rowJson(totals),
          groups: opts.by ? groups.map((g) => ({ [opts.by!]: g.group, ...(opts.by === 'key' ? { name: g.label } : {}), ...rowJson(g) })) : undefined,
        });
      }
      println(style.bold(`Usage${since ? ` since ${since.replace('T', ' ').slice(0, 16)}Z` : ''}${keyId ? ` for ${keyId}` : ''}`));
      if (totals.requests === 0) return println('No requests recorded yet.');
      const headers = ['REQUESTS', 'ERRORS', 'PROMPT', 'COMPLETION', 'CACHE READ', 'CACHE WRITE', 'REASONING', 'COST', 'P50'];
      if (opts.by) {
        const label = (g: UsageRow) => (opts.by === 'key' && g.label ? `${g.group} (${g.label})` : (g.group ?? '—'));
        const rows = groups.map((g) => [label(g), ...cells(g)]);
        rows.push([style.bold('TOTAL'), ...cells(totals).map((c) => style.bold(c))]);
        println(table([opts.by.toUpperCase(), ...headers], rows, [1, 2, 3, 4, 5, 6, 7, 8, 9]));
      } else {
        println(table(headers, [cells(totals)], [0, 1, 2, 3, 4, 5, 6, 7, 8]));
      }
      if (totals.unpriced) note(style.yellow(`* ${totals.unpriced} request(s) used models without a price in config.yaml; their cost is not included`));
    });
}
