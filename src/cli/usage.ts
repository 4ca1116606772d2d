import type { Command } from 'commander';
import { pathsOf, withDb } from './context.js';
import { CliError, formatUsd, note, printJson, println, style, table } from './output.js';
import { parseSince } from './parse.js';

export function registerUsage(program: Command): void {
  program
    .command('usage')
    .description('report recorded requests, tokens and cost')
    .option('--since <when>', 'a duration like 24h or 7d, or an ISO date (default: everything)', (v) => parseSince(v))
    .option('--key <id-or-prefix>', 'only this key')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ tokenhub usage --since 24h\n  $ tokenhub usage --key key_AbC --json')
    .action(async (opts: { since?: number; key?: string; json?: boolean }, cmd: Command) => {
      const [{ usageTotals }, { SqliteKeyStore }] = await Promise.all([import('../store/usage.js'), import('../store/keys.js')]);
      const totals = await withDb(pathsOf(cmd), (db) => {
        let keyId: string | undefined;
        if (opts.key) {
          const k = new SqliteKeyStore(db).find(opts.key);
          if (!k) throw new CliError(`no key matches ${JSON.stringify(opts.key)}`);
          keyId = k.id;
        }
        return usageTotals(db, { since: opts.since, keyId });
      });
      const since = opts.since ? new Date(opts.since).toISOString() : null;
      if (opts.json) {
        return printJson({
          since,
          key: opts.key ?? null,
          requests: totals.requests,
          errors: totals.errors,
          prompt_tokens: totals.promptTokens,
          completion_tokens: totals.completionTokens,
          cached_tokens: totals.cachedTokens,
          cost_usd: totals.costUsd,
          unpriced_requests: totals.unpriced,
        });
      }
      println(style.bold(`Usage${since ? ` since ${since}` : ''}${opts.key ? ` for ${opts.key}` : ''}`));
      println(
        table(
          ['REQUESTS', 'ERRORS', 'PROMPT', 'COMPLETION', 'CACHED', 'COST'],
          [[String(totals.requests), String(totals.errors), String(totals.promptTokens), String(totals.completionTokens), String(totals.cachedTokens), formatUsd(totals.costUsd)]],
          [0, 1, 2, 3, 4, 5],
        ),
      );
      if (totals.unpriced) note(style.yellow(`${totals.unpriced} request(s) used models without a price in config.yaml; their cost is not included`));
    });
}
