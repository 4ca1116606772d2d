import { Option, type Command } from 'commander';
import { pathsOf, withDb } from './context.js';
import { findKey, keyJson, keyStatus, limitsText, parseCidrs } from './key-records.js';
import { registerKeyEdit, registerKeyShow } from './keys-edit.js';
import { CliError, formatTime, note, printJson, println, style, table } from './output.js';
import { parseExpiry, parseList, parsePositiveInt, parsePositiveNumber } from './parse.js';

interface CreateOptions {
  name?: string;
  models?: string[];
  ips?: string[];
  budget?: number;
  budgetPeriod?: 'day' | 'week' | 'month' | 'total';
  rpm?: number;
  tpm?: number;
  expires?: number;
  json?: boolean;
}

export function registerKeys(program: Command): void {
  const keys = program
    .command('keys')
    .description('mint, list, inspect, edit and revoke TokenHub API keys')
    .addHelpText(
      'after',
      '\nExamples:\n  $ tokenhub keys create --name ci --models "gpt-4o*" --budget 5 --budget-period day\n  $ tokenhub keys list\n  $ tokenhub keys edit key_AbC --rpm 30 --no-budget',
    );

  keys
    .command('create')
    .description('mint a key; the full key is printed once, only its hash is stored')
    .option('--name <name>', 'a label to recognise the key by')
    .option('--models <globs>', 'models the key may use, e.g. "openai/*,gpt-4o*"', parseList)
    .option('--ips <cidrs>', 'client addresses allowed, e.g. 127.0.0.1/32,::1/128', parseCidrs)
    .option('--budget <usd>', 'spend limit in USD', parsePositiveNumber)
    .addOption(new Option('--budget-period <period>', 'budget period').choices(['day', 'week', 'month', 'total']))
    .option('--rpm <n>', 'requests per minute', parsePositiveInt)
    .option('--tpm <n>', 'tokens per minute', parsePositiveInt)
    .option('--expires <when>', 'expiry: a duration like 30d or an ISO date', (v) => parseExpiry(v))
    .option('--json', 'print JSON (includes the key)')
    .addHelpText('after', '\nExamples:\n  $ tokenhub keys create --name laptop\n  $ tokenhub keys create --name agent --budget 2 --budget-period day --rpm 60 --expires 30d --json')
    .action(async (opts: CreateOptions, cmd: Command) => {
      if (opts.budgetPeriod && opts.budget === undefined) throw new CliError('--budget-period needs --budget', 2);
      const { SqliteKeyStore } = await import('../store/keys.js');
      const { record, key } = await withDb(pathsOf(cmd), (db) =>
        new SqliteKeyStore(db).create({
          name: opts.name,
          models: opts.models,
          ips: opts.ips,
          budgetUsd: opts.budget,
          budgetPeriod: opts.budgetPeriod,
          rpm: opts.rpm,
          tpm: opts.tpm,
          expiresAt: opts.expires,
        }),
      );
      if (opts.json) return printJson({ ...keyJson(record), key });
      println(key);
      note(style.dim(`Created key ${record.id} (${record.name}). This is the only time the full key is shown.`));
    });

  keys
    .command('list')
    .alias('ls')
    .description('list keys (id, prefix, name, limits, status)')
    .option('--json', 'print JSON')
    .option('--all', 'include revoked and expired keys')
    .addHelpText('after', '\nExample:\n  $ tokenhub keys list --json')
    .action(async (opts: { json?: boolean; all?: boolean }, cmd: Command) => {
      const { SqliteKeyStore } = await import('../store/keys.js');
      const all = await withDb(pathsOf(cmd), (db) => new SqliteKeyStore(db).list());
      const shown = opts.all ? all : all.filter((k) => keyStatus(k) === 'active');
      if (opts.json) return printJson(shown.map(keyJson));
      if (shown.length === 0) return println('No keys yet. Mint one with `tokenhub keys create --name NAME`.');
      println(
        table(
          ['ID', 'PREFIX', 'NAME', 'CREATED', 'EXPIRES', 'LIMITS', 'STATUS'],
          shown.map((k) => {
            const status = keyStatus(k);
            return [k.id, k.prefix + '…', k.name, formatTime(k.createdAt), formatTime(k.expiresAt), limitsText(k), status === 'active' ? style.green(status) : style.red(status)];
          }),
        ),
      );
      if (!opts.all && shown.length < all.length) note(style.dim(`(${all.length - shown.length} revoked or expired; --all shows them)`));
    });

  registerKeyShow(keys);
  registerKeyEdit(keys);

  keys
    .command('revoke <id-or-prefix>')
    .description('revoke a key; a running daemon refuses it within a second')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  $ tokenhub keys revoke key_AbC')
    .action(async (ref: string, opts: { json?: boolean }, cmd: Command) => {
      const k = await findKey(cmd, ref);
      const { SqliteKeyStore } = await import('../store/keys.js');
      const changed = await withDb(pathsOf(cmd), (db) => new SqliteKeyStore(db).revoke(k.id));
      if (opts.json) return printJson({ id: k.id, revoked: true, already_revoked: !changed });
      println(changed ? `Revoked ${k.id} (${k.name})` : `${k.id} (${k.name}) was already revoked`);
    });
}
