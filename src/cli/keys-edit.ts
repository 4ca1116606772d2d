/**
 * `keys show` (limits, spend in the current budget period, what is left) and
 * `keys edit` (change or clear any limit). A running daemon picks edits up within a second.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { ApiKeyRecord, BudgetPeriod, KeyLimits } from '../store/keys.js';
import { pathsOf, withDb } from './context.js';
import { findKey, keyJson, keyStatus, limitsText, parseCidrs } from './key-records.js';
import { CliError, formatTime, formatUsd, printJson, println, style } from './output.js';
import { parseExpiry, parseList, parsePositiveNumber } from './parse.js';

/** A limit that 0 clears: "--rpm 0" is the same as "--no-rpm". */
function parseLimit(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number (0 removes the limit)');
  return n;
}

export interface KeySpend {
  period: BudgetPeriod;
  period_start: string;
  resets_at: string | null;
  requests: number;
  spent_usd: number;
  remaining_usd: number | null;
  unpriced_requests: number;
}

async function spendOf(cmd: Command, k: ApiKeyRecord, now = Date.now()): Promise<KeySpend> {
  const [{ periodWindow }, { usageTotals }] = await Promise.all([import('../keys/period.js'), import('../store/usage.js')]);
  const period = k.budgetPeriod ?? 'total';
  const w = periodWindow(period, now);
  const t = await withDb(pathsOf(cmd), (db) => usageTotals(db, { keyId: k.id, since: w.start }));
  return {
    period,
    period_start: new Date(w.start).toISOString(),
    resets_at: Number.isFinite(w.end) ? new Date(w.end).toISOString() : null,
    requests: t.requests,
    spent_usd: t.costUsd,
    remaining_usd: k.budgetUsd === null ? null : Math.max(0, k.budgetUsd - t.costUsd),
    unpriced_requests: t.unpriced,
  };
}

export function registerKeyShow(keys: Command): void {
  keys
    .command('show <id-or-prefix>')
    .description('show one key: its limits, spend in the current budget period and what is left')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ tokenhub keys show key_AbC\n  $ tokenhub keys show sk-th-Xy12 --json')
    .action(async (ref: string, opts: { json?: boolean }, cmd: Command) => {
      const k = await findKey(cmd, ref);
      const spend = await spendOf(cmd, k);
      if (opts.json) return printJson({ ...keyJson(k), spend });
      const since = ` (since ${formatTime(Date.parse(spend.period_start))})`;
      const periodName = spend.period === 'total' ? 'in total' : spend.period === 'day' ? `today${since}` : `this ${spend.period}${since}`;
      println(`${style.bold(k.name)}  ${k.id}  ${k.prefix}…  ${keyStatus(k)}`);
      println(`  created    ${formatTime(k.createdAt)}`);
      println(`  expires    ${formatTime(k.expiresAt)}`);
      println(`  models     ${k.models?.join(', ') ?? 'any'}`);
      println(`  ips        ${k.ips?.join(', ') ?? 'any'}`);
      println(`  rate       ${k.rpm ?? '∞'} requests/min, ${k.tpm ?? '∞'} tokens/min`);
      println(`  budget     ${k.budgetUsd === null ? 'none' : `${formatUsd(k.budgetUsd)} per ${k.budgetPeriod === 'total' ? 'lifetime' : k.budgetPeriod}`}`);
      println(`  spent      ${formatUsd(spend.spent_usd)} ${periodName}, ${spend.requests} request(s)`);
      if (spend.remaining_usd !== null) println(`  remaining  ${formatUsd(spend.remaining_usd)}${spend.resets_at ? `, resets ${formatTime(Date.parse(spend.resets_at))}` : ''}`);
      if (spend.unpriced_requests) println(style.yellow(`  ${spend.unpriced_requests} request(s) used models without a price; they are not in the spend`));
    });
}

interface EditOptions {
  name?: string;
  models?: string[] | false;
  ips?: string[] | false;
  budget?: number | false;
  budgetPeriod?: BudgetPeriod;
  rpm?: number | false;
  tpm?: number | false;
  expires?: number | false;
  json?: boolean;
}

/** Commander gives the value, `false` for --no-X, or undefined when the flag is absent. */
function patchFrom(opts: EditOptions, current: ApiKeyRecord): Partial<KeyLimits> & { name?: string } {
  const clear = <T>(v: T | false | undefined, zeroClears = false): T | null | undefined =>
    v === undefined ? undefined : v === false || (zeroClears && v === 0) ? null : v;
  const patch: Partial<KeyLimits> & { name?: string } = {
    name: opts.name,
    models: clear(opts.models),
    ips: clear(opts.ips),
    budgetUsd: clear(opts.budget),
    rpm: clear(opts.rpm, true),
    tpm: clear(opts.tpm, true),
    expiresAt: clear(opts.expires),
  };
  if (opts.budgetPeriod) {
    if (patch.budgetUsd === null || (patch.budgetUsd === undefined && current.budgetUsd === null)) {
      throw new CliError('--budget-period needs a budget: add --budget USD', 2);
    }
    patch.budgetPeriod = opts.budgetPeriod;
  }
  for (const k of Object.keys(patch) as (keyof typeof patch)[]) if (patch[k] === undefined) delete patch[k];
  return patch;
}

export function registerKeyEdit(keys: Command): void {
  keys
    .command('edit <id-or-prefix>')
    .description('change or remove any limit of a key; a running daemon applies it within a second')
    .option('--name <name>', 'a new label')
    .option('--models <globs>', 'models the key may use, e.g. "openai/*,gpt-4o*" (replaces the list)', parseList)
    .option('--no-models', 'allow every model')
    .option('--ips <cidrs>', 'client addresses allowed (replaces the list)', parseCidrs)
    .option('--no-ips', 'allow every client address')
    .option('--budget <usd>', 'spend limit in USD', parsePositiveNumber)
    .option('--no-budget', 'remove the budget')
    .addOption(new Option('--budget-period <period>', 'budget period (calendar, UTC)').choices(['day', 'week', 'month', 'total']))
    .option('--rpm <n>', 'requests per minute (0 removes the limit)', parseLimit)
    .option('--no-rpm', 'remove the requests-per-minute limit')
    .option('--tpm <n>', 'tokens per minute (0 removes the limit)', parseLimit)
    .option('--no-tpm', 'remove the tokens-per-minute limit')
    .option('--expires <when>', 'expiry: a duration like 30d or an ISO date', (v) => parseExpiry(v))
    .option('--no-expires', 'never expire')
    .option('--json', 'print the key as JSON')
    .addHelpText(
      'after',
      `
Only the flags given change; --no-<limit> (or 0 for --rpm/--tpm) removes a limit.

Examples:
  $ tokenhub keys edit key_AbC --rpm 60 --tpm 100000
  $ tokenhub keys edit key_AbC --budget 20 --budget-period month
  $ tokenhub keys edit sk-th-Xy12 --no-budget --no-ips --models "openai/*"`,
    )
    .action(async (ref: string, opts: EditOptions, cmd: Command) => {
      const k = await findKey(cmd, ref);
      const patch = patchFrom(opts, k);
      if (Object.keys(patch).length === 0) throw new CliError('nothing to change: give at least one flag (see --help)', 2);
      const { SqliteKeyStore } = await import('../store/keys.js');
      const updated = await withDb(pathsOf(cmd), (db) => new SqliteKeyStore(db).update(k.id, patch));
      if (!updated) throw new CliError(`key ${k.id} disappeared while editing`);
      if (opts.json) return printJson(keyJson(updated));
      println(`Updated ${updated.id} (${updated.name})`);
      println(`  limits   ${limitsText(updated)}`);
      println(`  expires  ${formatTime(updated.expiresAt)}`);
      if (keyStatus(updated) !== 'active') println(style.yellow(`  this key is ${keyStatus(updated)}`));
    });
}
