import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { pathsOf } from './context.js';
import { CliError, note, printJson, println, spinner, style } from './output.js';
import { parsePort } from './parse.js';
import type { Paths } from '../config/paths.js';

export interface DaemonState {
  pid: number;
  url: string;
  started_at: string;
  demo?: boolean;
  version?: string;
}

function readState(paths: Paths): DaemonState | undefined {
  try {
    return JSON.parse(readFileSync(paths.stateFile, 'utf8')) as DaemonState;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A detached daemon that exited stays a zombie until its new parent reaps it; it is gone for us.
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(0) is all we have
  }
}

/** The running daemon of this TOKENHUB_HOME, if any (a stale state file is ignored). */
export function runningDaemon(paths: Paths): DaemonState | undefined {
  const state = readState(paths);
  return state && isAlive(state.pid) ? state : undefined;
}

async function health(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok;
  } catch {
    return false;
  }
}

async function serveForeground(paths: Paths, opts: { host?: string; port?: number; demo?: boolean }): Promise<void> {
  const live = runningDaemon(paths);
  if (live) throw new CliError(`tokenhub is already running at ${live.url} (pid ${live.pid})`, 1, 'Stop it with `tokenhub stop`, or use another TOKENHUB_HOME.');
  const [{ startDaemon }, { createLogger }] = await Promise.all([import('../server/daemon.js'), import('../util/log.js')]);
  const log = createLogger({ pretty: process.stderr.isTTY === true, level: process.env.TOKENHUB_LOG_LEVEL as never });
  const daemon = await startDaemon({ paths, host: opts.host, port: opts.port, demo: opts.demo, log });
  const base = `${daemon.url}/v1`;
  println(`${style.green('●')} TokenHub ${style.bold('listening')} on ${style.cyan(base)}`);
  if (daemon.demoKey) {
    println('');
    println(`  Demo mode: simulated providers ${style.bold('swift')} (fast, pricier) and ${style.bold('thrifty')} (cheap, slower, fails every 7th request).`);
    println(`  Demo key:  ${style.bold(daemon.demoKey)}`);
    println('');
    println('  Try it:');
    println(`    curl ${base}/chat/completions -H "Authorization: Bearer ${daemon.demoKey}" \\`);
    println(`      -H 'content-type: application/json' -d '{"model":"demo-chat","messages":[{"role":"user","content":"hi"}]}'`);
    println(`    OPENAI_BASE_URL=${base} OPENAI_API_KEY=${daemon.demoKey} your-tool`);
    println('    tokenhub top            # in another terminal');
  }
  if (!daemon.demoKey && daemon.gateway.catalog().providers.size === 0) {
    println(style.yellow(`  No providers in ${paths.config} yet: add one with \`tokenhub providers add\` (picked up while running),`));
    println(style.yellow('  or try `tokenhub serve --demo`.'));
  }
  println(style.dim('  Ctrl-C stops the gateway.'));

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        note('forced exit');
        process.exit(1);
      }
      stopping = true;
      log.info(`${signal}: finishing in-flight requests, then stopping`);
      daemon.close().then(resolve, (err) => {
        log.error('shutdown failed', { error: String(err) });
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

/**
 * Starts `tokenhub <args>` (a `serve` without --detach) in the background, logging to
 * TOKENHUB_HOME/tokenhub.log, and resolves once it answers /health. Used by
 * `serve --detach` and by `run`.
 */
export async function startDetached(paths: Paths, args: string[]): Promise<DaemonState> {
  const live = runningDaemon(paths);
  if (live) throw new CliError(`tokenhub is already running at ${live.url} (pid ${live.pid})`);
  const [{ spawn }, { openSync, closeSync }, { ensureHome }] = await Promise.all([
    import('node:child_process'),
    import('node:fs'),
    import('../config/paths.js'),
  ]);
  ensureHome(paths.home);
  const out = openSync(paths.logFile, 'a', 0o600);
  const child = spawn(process.execPath, [process.argv[1]!, ...args], {
    detached: true,
    stdio: ['ignore', out, out],
    env: process.env,
  });
  closeSync(out);
  child.unref();
  const spin = spinner('starting tokenhub');
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const state = readState(paths);
    if (state && state.pid === child.pid && (await health(state.url))) {
      spin.stop();
      return state;
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  spin.stop();
  throw new CliError(`tokenhub did not start; see ${paths.logFile}`);
}

async function serveDetached(paths: Paths, argv: string[]): Promise<void> {
  const state = await startDetached(paths, argv.filter((a) => a !== '--detach'));
  println(`${style.green('●')} TokenHub running in the background at ${style.cyan(state.url + '/v1')} (pid ${state.pid})`);
  println(style.dim(`  log: ${paths.logFile}   stop: tokenhub stop`));
}

export function registerServe(program: Command): void {
  program
    .command('init')
    .description('write a commented config.yaml into TOKENHUB_HOME')
    .option('--force', 'overwrite an existing config.yaml')
    .addHelpText('after', '\nExamples:\n  $ tokenhub init\n  $ TOKENHUB_HOME=./.tokenhub tokenhub init --force')
    .action(async (opts: { force?: boolean }, cmd: Command) => {
      const paths = pathsOf(cmd);
      if (existsSync(paths.config) && !opts.force) {
        throw new CliError(`${paths.config} already exists`, 1, 'Use --force to overwrite it.');
      }
      const [{ exampleConfigText }, { writePrivateFile }] = await Promise.all([import('../config/edit.js'), import('../config/paths.js')]);
      writePrivateFile(paths.config, exampleConfigText());
      println(`Wrote ${paths.config}`);
      println(style.dim('Next: tokenhub providers add …, tokenhub keys create, tokenhub serve'));
    });

  program
    .command('serve')
    .description('start the gateway daemon')
    .option('--host <host>', 'address to bind (default 127.0.0.1)')
    .option('--port <port>', 'port (default 8420, or TOKENHUB_PORT)', parsePort)
    .option('--demo', 'simulated providers and a demo key: no API keys, no network')
    .option('--detach', 'run in the background (log in TOKENHUB_HOME/tokenhub.log)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ tokenhub serve --demo\n  $ tokenhub serve --port 9000 --detach\n  $ TOKENHUB_HOME=/tmp/th tokenhub serve --config ./config.yaml',
    )
    .action(async (opts: { host?: string; port?: number; demo?: boolean; detach?: boolean }, cmd: Command) => {
      const paths = pathsOf(cmd);
      if (opts.detach) await serveDetached(paths, process.argv.slice(2));
      else await serveForeground(paths, opts);
    });

  program
    .command('stop')
    .description('stop the daemon running for TOKENHUB_HOME')
    .addHelpText('after', '\nExample:\n  $ tokenhub stop')
    .action(async (_opts: unknown, cmd: Command) => {
      const paths = pathsOf(cmd);
      const state = runningDaemon(paths);
      if (!state) throw new CliError('tokenhub is not running');
      process.kill(state.pid, 'SIGTERM');
      const spin = spinner('stopping');
      const deadline = Date.now() + 30_000;
      while (isAlive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      spin.stop();
      if (isAlive(state.pid)) throw new CliError(`pid ${state.pid} did not stop within 30 s`);
      println(`Stopped tokenhub (pid ${state.pid})`);
    });

  program
    .command('status')
    .description('show whether the daemon runs, where, since when and what it served (exit 3 when not running)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ tokenhub status\n  $ tokenhub status --json | jq .url')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const paths = pathsOf(cmd);
      const state = runningDaemon(paths);
      let admin: Record<string, unknown> | undefined;
      if (state) {
        try {
          const token = readFileSync(paths.adminToken, 'utf8').trim();
          const res = await fetch(`${state.url}/admin/status`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(2000) });
          if (res.ok) admin = (await res.json()) as Record<string, unknown>;
          const m = await fetch(`${state.url}/admin/metrics`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(2000) });
          if (m.ok && admin) {
            const snap = (await m.json()) as { totals?: { requests: number; errors: number; rps60s: number }; spendTodayUsd?: number };
            admin.requests = snap.totals?.requests ?? 0;
            admin.errors = snap.totals?.errors ?? 0;
            admin.spend_today_usd = snap.spendTodayUsd ?? 0;
          }
        } catch {
          /* reported as not answering */
        }
      }
      const result = state
        ? { running: true, answering: admin !== undefined, pid: state.pid, url: state.url, started_at: state.started_at, demo: state.demo ?? false, ...admin }
        : { running: false };
      if (opts.json) printJson(result);
      else if (!state) println('tokenhub is not running');
      else {
        println(`${style.green('●')} tokenhub is running at ${style.cyan(state.url + '/v1')} (pid ${state.pid})${state.demo ? ' in demo mode' : ''}`);
        println(`  since ${state.started_at}${admin ? `, ${admin.keys} keys, ${admin.models} models` : style.yellow(' — not answering')}`);
        if (admin?.requests !== undefined) println(`  ${admin.requests} requests (${admin.errors} errors), $${Number(admin.spend_today_usd).toFixed(4)} spent today`);
      }
      if (!state) process.exitCode = 3;
    });
}
