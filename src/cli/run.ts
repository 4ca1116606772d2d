/**
 * `tokenhub run -- COMMAND`: a fresh key with limits, the daemon (started in the
 * background if none runs), the command with OPENAI_* and ANTHROPIC_* pointing at it,
 * then the key revoked and what the command spent summed up on stderr.
 */
import type { Command } from 'commander';
import type { ChildProcess } from 'node:child_process';
import type { Paths } from '../config/paths.js';
import type { Db } from '../store/db.js';
import { pathsOf, withDb } from './context.js';
import { codexArgs } from './codex.js';
import { CLEARED_VARS, clientRoot, gatewayEnv } from './env.js';
import { writeGeminiCliSettings } from './gemini-cli.js';
import { CliError, formatUsd, note, style } from './output.js';
import { parseExpiry, parseList, parsePositiveInt, parsePositiveNumber } from './parse.js';
import { isAlive, runningDaemon, startDetached, type DaemonState } from './serve.js';

interface RunOptions {
  budget?: number;
  models?: string[];
  rpm?: number;
  name: string;
  expires?: number;
  demo?: boolean;
}

const DAY_MS = 86_400_000;
const err = (text: string) => note(text);

/**
 * Runs share a daemon: each holds a lease file while its command runs, and the daemon a
 * run started is stopped by the last run to finish, not while another still uses it.
 */
class Leases {
  private readonly dir: string;
  constructor(paths: Paths) {
    this.dir = `${paths.home}/runs`;
  }
  private get marker() {
    return `${this.dir}/daemon.pid`;
  }
  async take(): Promise<void> {
    const fs = await import('node:fs');
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(`${this.dir}/${process.pid}`, '');
  }
  async markStarted(pid: number): Promise<void> {
    (await import('node:fs')).writeFileSync(this.marker, String(pid));
  }
  /** Drops this run's lease; true when the daemon `pid` was started by a run and no other run holds a lease. */
  async release(pid: number | undefined): Promise<boolean> {
    const fs = await import('node:fs');
    fs.rmSync(`${this.dir}/${process.pid}`, { force: true });
    let starter: number | undefined;
    try {
      starter = Number(fs.readFileSync(this.marker, 'utf8'));
    } catch {
      return false;
    }
    if (pid === undefined || starter !== pid) return false;
    const others = fs.readdirSync(this.dir).filter((f) => /^\d+$/.test(f) && isAlive(Number(f)));
    if (others.length > 0) return false;
    fs.rmSync(this.marker, { force: true });
    return true;
  }
}

async function stopDaemon(state: DaemonState): Promise<boolean> {
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (isAlive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return !isAlive(state.pid);
}

/** Runs the command with inherited stdio; resolves with its exit code (a signal → 128 + its number). */
async function runCommand(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [{ spawn }, { constants }] = await Promise.all([import('node:child_process'), import('node:os')]);
  // Ctrl-C and Ctrl-\ reach the child from the terminal (same process group): run waits for it
  // to finish rather than die first. SIGTERM and SIGHUP are sent to run alone: pass them on.
  // The handlers are in place before the child exists, so no signal can find run without them.
  let child: ChildProcess | undefined;
  const ignore = () => {};
  const forward = (signal: NodeJS.Signals) => () => void (child?.exitCode === null && child.kill(signal));
  const handlers: [NodeJS.Signals, () => void][] = [
    ['SIGINT', ignore],
    ['SIGQUIT', ignore],
    ['SIGTERM', forward('SIGTERM')],
    ['SIGHUP', forward('SIGHUP')],
  ];
  for (const [s, h] of handlers) process.on(s, h);
  try {
    child = spawn(command, args, { stdio: 'inherit', env });
    const started = child;
    return await new Promise<number>((resolve, reject) => {
      started.once('error', (e: NodeJS.ErrnoException) =>
        e.code === 'ENOENT' ? reject(new CliError(`command not found: ${command}`, 127)) : reject(e),
      );
      started.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
    });
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
  }
}

interface ProviderRow {
  provider: string;
  requests: number;
  tokens: number;
  cost: number;
}
interface ErrorRow {
  status: number;
  code: string;
  n: number;
}

/** What the run's key did, from the usage table. */
async function summarize(db: Db, keyId: string) {
  const { usageTotals } = await import('../store/usage.js');
  const totals = usageTotals(db, { keyId });
  const providers = db
    .prepare(
      `SELECT COALESCE(provider, 'none') AS provider, COUNT(*) AS requests, SUM(prompt_tokens + completion_tokens) AS tokens,
              COALESCE(SUM(cost_usd), 0) AS cost
         FROM usage WHERE key_id = ? GROUP BY provider ORDER BY requests DESC, provider`,
    )
    .all(keyId) as ProviderRow[];
  const errors = db
    .prepare(
      `SELECT status, COALESCE(error_code, '') AS code, COUNT(*) AS n
         FROM usage WHERE key_id = ? AND status >= 400 GROUP BY status, error_code ORDER BY n DESC, status`,
    )
    .all(keyId) as ErrorRow[];
  return { totals, providers, errors };
}

function printSummary(lines: [string, string][]): void {
  const dim = (t: string) => style.dim(t, process.stderr);
  err(dim('── tokenhub run ' + '─'.repeat(40)));
  for (const [label, value] of lines) err(`  ${dim(label.padEnd(10))} ${value}`);
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a command with a fresh limited key and OPENAI_*, ANTHROPIC_* and GEMINI variables set; revoke the key and sum up after')
    .argument('<command>', 'the command to run (put -- before it)')
    .argument('[args...]', 'its arguments')
    .option('--budget <usd>', 'spend limit in USD for this run', parsePositiveNumber)
    .option('--models <globs>', 'models the command may use, e.g. "claude-*,gpt-4o*"', parseList)
    .option('--rpm <n>', 'requests per minute', parsePositiveInt)
    .option('--name <name>', 'name of the key (shown in usage and top)', 'run')
    .option('--expires <when>', 'safety expiry if run itself is killed (default 24h)', (v) => parseExpiry(v))
    .option('--demo', 'if no daemon runs, start one with simulated providers')
    .addHelpText(
      'after',
      `
Examples:
  $ tokenhub run -- python agent.py
  $ tokenhub run --budget 0.50 --models "claude-*" -- claude
  $ tokenhub run --rpm 30 --name evals -- npm test

The command gets what \`tokenhub env\` prints: OPENAI_BASE_URL, OPENAI_API_KEY,
ANTHROPIC_BASE_URL, ANTHROPIC_AUTH_TOKEN (and no ANTHROPIC_API_KEY), GOOGLE_GEMINI_BASE_URL,
GEMINI_API_KEY, GEMINI_CLI_SYSTEM_SETTINGS_PATH and CODEX_API_KEY. A codex command
also gets -c openai_base_url=… and -c web_search="disabled" (web search runs only at
OpenAI; -c web_search="live" after the subcommand turns it back on); its own config
is not touched. If no daemon runs, one starts in
the background and stops when the last run using it ends. Ctrl-C goes to the command; run waits for it, revokes
the key, prints requests, tokens, cost, providers and errors on stderr, and exits
with the command's exit code (128+N if a signal N ended it).`,
    )
    .action(async (command: string, args: string[], opts: RunOptions, cmd: Command) => {
      process.exitCode = await runWithKey(pathsOf(cmd), command, args, opts);
    });
}

async function runWithKey(paths: Paths, command: string, args: string[], opts: RunOptions): Promise<number> {
  const leases = new Leases(paths);
  await leases.take();
  let daemon = runningDaemon(paths);
  let started = false;
  let keyId: string | undefined;
  let exitCode = 1;
  try {
    if (!daemon) {
      err(style.dim('tokenhub is not running: starting it in the background for this run…', process.stderr));
      const serveArgs = ['--config', paths.config, '--db', paths.db, 'serve', ...(opts.demo ? ['--demo'] : [])];
      try {
        daemon = await startDetached(paths, serveArgs);
        started = true;
        await leases.markStarted(daemon.pid);
      } catch (e) {
        // Another run may have started it a moment ago.
        daemon = runningDaemon(paths);
        if (!daemon) throw e;
      }
    }
    const { SqliteKeyStore } = await import('../store/keys.js');
    const { record, key } = await withDb(paths, (db) =>
      new SqliteKeyStore(db).create({
        name: opts.name,
        models: opts.models,
        budgetUsd: opts.budget,
        budgetPeriod: opts.budget !== undefined ? 'total' : undefined,
        rpm: opts.rpm,
        expiresAt: opts.expires ?? Date.now() + DAY_MS,
      }),
    );
    keyId = record.id;
    const env: NodeJS.ProcessEnv = { ...process.env, ...gatewayEnv(daemon.url, key, writeGeminiCliSettings(paths)) };
    for (const name of CLEARED_VARS) delete env[name];
    exitCode = await runCommand(command, codexArgs(command, args, `${clientRoot(daemon.url)}/v1`), env);
    return exitCode;
  } catch (e) {
    if (e instanceof CliError) exitCode = e.exitCode;
    throw e;
  } finally {
    await finish(paths, leases, { daemon, started, keyId, command: [command, ...args].join(' '), exitCode });
  }
}

async function finish(
  paths: Paths,
  leases: Leases,
  run: { daemon: DaemonState | undefined; started: boolean; keyId: string | undefined; command: string; exitCode: number },
): Promise<void> {
  const stop = await leases.release(run.daemon?.pid);
  if (!run.keyId) return;
  const keyId = run.keyId;
  const { SqliteKeyStore } = await import('../store/keys.js');
  await withDb(paths, (db) => new SqliteKeyStore(db).revoke(keyId));
  let daemonLine = run.daemon ? `still running at ${run.daemon.url}` : 'not running';
  if (run.daemon && stop) daemonLine = (await stopDaemon(run.daemon)) ? 'stopped (started for this run)' : `pid ${run.daemon.pid} did not stop`;
  else if (run.started) daemonLine += ' (another run still uses it)';
  // A running daemon writes usage in batches a few ms apart; a stopped one flushed on the way out.
  if (!stop) await new Promise((r) => setTimeout(r, 150));
  const { totals, providers, errors } = await withDb(paths, (db) => summarize(db, keyId));
  const n = (x: number) => x.toLocaleString('en-US');
  const cost = formatUsd(totals.costUsd) + (totals.unpriced > 0 ? style.dim(` (+${totals.unpriced} unpriced)`, process.stderr) : '');
  printSummary([
    ['command', `${run.command}  → exit ${run.exitCode}`],
    ['key', `${keyId} (revoked)`],
    ['requests', `${n(totals.requests)}${totals.errors ? ` (${n(totals.errors)} failed)` : ''}`],
    ['tokens', `${n(totals.promptTokens)} in, ${n(totals.completionTokens)} out${totals.cachedTokens ? `, ${n(totals.cachedTokens)} cached` : ''}`],
    ['cost', cost],
    ['providers', providers.map((p) => `${p.provider} ${n(p.requests)} req, ${n(p.tokens ?? 0)} tok, ${formatUsd(p.cost)}`).join('; ') || '—'],
    ['errors', errors.map((e) => `${e.status}${e.code ? ` ${e.code}` : ''} ×${e.n}`).join(', ') || 'none'],
    ['daemon', daemonLine],
  ]);
}
