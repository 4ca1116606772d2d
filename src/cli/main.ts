/**
 * The CLI entry: wires the command groups and turns every failure into a message
 * and an exit code (1 for errors, 2 for bad usage). Command modules load their heavy
 * dependencies inside their actions, so `--help` stays fast.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { CliError, style } from './output.js';
import { registerServe } from './serve.js';
import { registerProviders } from './providers.js';
import { registerKeys } from './keys.js';
import { registerModels } from './models.js';
import { registerUsage } from './usage.js';
import { registerTop } from './top.js';
import { registerRoutes } from './routes.js';
import { registerEnv } from './env.js';
import { registerRun } from './run.js';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function buildProgram(): Command {
  const program = new Command('tokenhub')
    .description('A local LLM gateway: one OpenAI-compatible endpoint on localhost in front of many providers.')
    .version(version, '-v, --version')
    .option('--config <file>', 'config file (default: $TOKENHUB_HOME/config.yaml)')
    .option('--db <file>', 'database file (default: $TOKENHUB_HOME/tokenhub.db)')
    // every command takes --config and --db: its own --help says so (serve --help must show --db)
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError()
    .addHelpText(
      'after',
      `
Getting started:
  $ tokenhub serve --demo          try it offline with simulated providers
  $ tokenhub init                  write a commented config.yaml
  $ tokenhub providers add openai --type openai --api-key-env OPENAI_API_KEY --model gpt-4o-mini:0.15:0.6
  $ tokenhub keys create --name laptop
  $ tokenhub serve
  $ tokenhub run -- your-tool       a tool that reads OPENAI_BASE_URL or ANTHROPIC_BASE_URL

Files live in $TOKENHUB_HOME (default ~/.tokenhub).`,
    );
  registerServe(program);
  registerProviders(program);
  registerKeys(program);
  registerModels(program);
  registerUsage(program);
  registerTop(program);
  registerRoutes(program);
  registerEnv(program);
  registerRun(program);
  return program;
}

function applyExitOverride(cmd: Command): void {
  cmd.exitOverride();
  for (const sub of cmd.commands) applyExitOverride(sub);
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  applyExitOverride(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      // commander already printed the message and the hint
      return 2;
    }
    return reportError(err);
  }
}

export function reportError(err: unknown): number {
  const e = err as Error & { code?: string; exitCode?: number; hint?: string };
  const known = err instanceof CliError || e?.name === 'ConfigError' || e?.name === 'DatabaseTooNewError' || e?.code === 'port_in_use';
  if (known) {
    process.stderr.write(`${style.red('error', process.stderr)}: ${e.message}\n`);
    if (e.hint) process.stderr.write(`${e.hint}\n`);
    return e.exitCode ?? 1;
  }
  process.stderr.write(`${style.red('error', process.stderr)}: ${e?.message ?? String(err)}\n`);
  if (process.env.TOKENHUB_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
  else process.stderr.write('(set TOKENHUB_DEBUG=1 to see the stack trace)\n');
  return 1;
}

// A reader that stops early (`tokenhub usage --json | head -1`) closes the pipe: the rest
// of the output has nowhere to go, which is not an error (no stack trace, exit 0, as when
// the output was read whole).
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
});

main(process.argv).then((code) => {
  process.exitCode = code;
});
