/**
 * `tokenhub env`: the variables that point OpenAI and Anthropic SDKs (and the tools
 * built on them) at the daemon, ready for `eval "$(tokenhub env)"`. `run` sets the same
 * variables for the command it runs.
 */
import { Option, type Command } from 'commander';
import type { Paths } from '../config/paths.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile } from '../config/paths.js';
import { pathsOf, withDb } from './context.js';
import { CliError, note, printJson, style } from './output.js';
import { runningDaemon } from './serve.js';
import { writeGeminiCliSettings } from './gemini-cli.js';

export type Shell = 'sh' | 'fish' | 'powershell';

/** The daemon's root URL as a client reaches it: a wildcard bind address is reached on loopback. */
export function clientRoot(url: string): string {
  return url.replace(/\/+$/, '').replace('//0.0.0.0', '//127.0.0.1').replace('//[::]', '//[::1]');
}

/**
 * What an SDK needs. OpenAI SDKs take the /v1 base; Anthropic SDKs append /v1/messages
 * themselves, so they get the root. The Anthropic key goes in ANTHROPIC_AUTH_TOKEN (a
 * Bearer token), which the Anthropic SDKs and Claude Code read; not ANTHROPIC_API_KEY,
 * which makes interactive Claude Code stop and ask "Detected a custom API key… use it?".
 */
export function gatewayEnv(url: string, key: string, geminiCliSettings?: string): Record<string, string> {
  const root = clientRoot(url);
  const vars: Record<string, string> = {
    OPENAI_BASE_URL: `${root}/v1`,
    OPENAI_API_KEY: key,
    // Codex reads its key here (its base URL is config: `tokenhub run -- codex` passes it)
    CODEX_API_KEY: key,
    ANTHROPIC_BASE_URL: root,
    ANTHROPIC_AUTH_TOKEN: key,
    // The Google Gen AI SDKs and Gemini CLI append /v1beta/models/… to the root.
    GOOGLE_GEMINI_BASE_URL: root,
    GEMINI_API_KEY: key,
  };
  if (geminiCliSettings) vars.GEMINI_CLI_SYSTEM_SETTINGS_PATH = geminiCliSettings;
  return vars;
}

/**
 * Variables the shell or the command must not keep: a real ANTHROPIC_API_KEY would be
 * sent (and win over the token) to the daemon, and makes Claude Code ask about it.
 */
export const CLEARED_VARS = ['ANTHROPIC_API_KEY'] as const;

const quoteSh = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
const quoteFish = (v: string) => `'${v.replace(/[\\']/g, (c) => '\\' + c)}'`;
const quotePowerShell = (v: string) => `'${v.replace(/'/g, "''")}'`;

export function formatEnv(vars: Record<string, string>, shell: Shell, unset: readonly string[] = []): string {
  const lines = Object.entries(vars).map(([name, value]) => {
    if (shell === 'fish') return `set -gx ${name} ${quoteFish(value)}`;
    if (shell === 'powershell') return `$env:${name} = ${quotePowerShell(value)}`;
    return `export ${name}=${quoteSh(value)}`;
  });
  for (const name of unset) {
    if (shell === 'fish') lines.push(`set -e ${name}`);
    else if (shell === 'powershell') lines.push(`Remove-Item Env:${name} -ErrorAction SilentlyContinue`);
    else lines.push(`unset ${name}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * The shell's key: one key named "env", minted on first use and kept (mode 0600) in
 * TOKENHUB_HOME/env.key, so `eval "$(tokenhub env)"` in every new shell reuses it
 * instead of minting another never-expiring key. Revoked, expired or deleted, it is
 * replaced by a new one.
 */
async function shellKey(paths: Paths): Promise<string> {
  const file = join(paths.home, 'env.key');
  const saved = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  const [{ isWellFormedKey, hashKey }, { SqliteKeyStore }] = await Promise.all([import('../keys/format.js'), import('../store/keys.js')]);
  return withDb(paths, (db) => {
    const store = new SqliteKeyStore(db);
    if (isWellFormedKey(saved)) {
      const hash = hashKey(saved);
      const k = store.list().find((r) => r.hash === hash);
      if (k && k.revokedAt === null && (k.expiresAt === null || k.expiresAt > Date.now())) return saved;
    }
    const minted = store.create({ name: 'env' });
    writePrivateFile(file, minted.key + '\n');
    note(style.dim(`Minted key ${minted.record.id} (env) for your shells; \`tokenhub env\` reuses it. Revoke it with \`tokenhub keys revoke ${minted.record.id}\`.`, process.stderr));
    return minted.key;
  });
}

/** The running daemon's address, or where `serve` would listen (config, TOKENHUB_PORT, defaults). */
export async function daemonUrl(paths: Paths): Promise<{ url: string; running: boolean }> {
  const live = runningDaemon(paths);
  if (live) return { url: live.url, running: true };
  let host = '127.0.0.1';
  let port = 8420;
  try {
    const { loadConfigFile } = await import('../config/load.js');
    const { server } = loadConfigFile(paths.config).config;
    host = server.host ?? host;
    port = server.port ?? port;
  } catch {
    /* an unreadable config: `serve` will say why; the defaults are the best guess */
  }
  if (process.env.TOKENHUB_PORT) port = Number(process.env.TOKENHUB_PORT);
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, running: false };
}

/** Checks that a full key given on the command line belongs to this TOKENHUB_HOME and is usable. */
async function checkKey(paths: Paths, key: string): Promise<void> {
  const [{ isWellFormedKey, hashKey }, { SqliteKeyStore }] = await Promise.all([import('../keys/format.js'), import('../store/keys.js')]);
  if (!isWellFormedKey(key)) throw new CliError('--key takes a full key (sk-th-…); an id cannot be turned back into a key', 2);
  const hash = hashKey(key);
  const found = await withDb(paths, (db) => new SqliteKeyStore(db).list().find((k) => k.hash === hash));
  if (!found) throw new CliError(`that key is not one of ${paths.db}'s keys`, 1, 'Mint one with `tokenhub keys create`, or leave out --key to mint one now.');
  if (found.revokedAt !== null) throw new CliError(`key ${found.id} (${found.name}) is revoked`);
  if (found.expiresAt !== null && found.expiresAt <= Date.now()) throw new CliError(`key ${found.id} (${found.name}) has expired`);
}

interface EnvOptions {
  key?: string;
  shell: Shell;
  json?: boolean;
}

export function registerEnv(program: Command): void {
  program
    .command('env')
    .description('print the variables that point OpenAI, Anthropic, Gemini and Codex clients at the daemon')
    .option('--key <key>', 'a full key (sk-th-…) to use; without it the key named "env" (minted once, kept in TOKENHUB_HOME/env.key)')
    .addOption(new Option('--shell <shell>', 'syntax to print').choices(['sh', 'fish', 'powershell']).default('sh'))
    .option('--json', 'print the variables as one JSON object')
    .addHelpText(
      'after',
      `
Examples:
  $ eval "$(tokenhub env)"                          bash, zsh
  $ tokenhub env --shell fish | source               fish
  PS> tokenhub env --shell powershell | Invoke-Expression
  $ eval "$(tokenhub env --key sk-th-…)"             reuse a key you already have

Prints OPENAI_BASE_URL (…/v1), OPENAI_API_KEY, ANTHROPIC_BASE_URL (the daemon root:
Anthropic SDKs append /v1/messages) and ANTHROPIC_AUTH_TOKEN (unsetting ANTHROPIC_API_KEY,
which Claude Code would ask about and SDKs would send instead),
GOOGLE_GEMINI_BASE_URL (the root: Google Gen AI SDKs append /v1beta/models/…) and
GEMINI_API_KEY, and GEMINI_CLI_SYSTEM_SETTINGS_PATH: a settings file in TOKENHUB_HOME
that makes Gemini CLI use the key instead of a Google login. CODEX_API_KEY is the key
for Codex, which takes its base URL only from config: start it with
\`tokenhub run -- codex …\`, which passes -c openai_base_url=… for you.`,
    )
    .action(async (opts: EnvOptions, cmd: Command) => {
      const paths = pathsOf(cmd);
      const { url, running } = await daemonUrl(paths);
      let key = opts.key;
      if (key !== undefined) await checkKey(paths, key);
      else key = await shellKey(paths);
      if (!running) note(`tokenhub is not running; these variables point at ${url}. Start it with \`tokenhub serve --detach\`.`);
      const vars = gatewayEnv(url, key, writeGeminiCliSettings(paths));
      if (opts.json) printJson(vars);
      else process.stdout.write(formatEnv(vars, opts.shell, CLEARED_VARS));
    });
}
