import { InvalidArgumentError, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import type { Paths } from '../config/paths.js';
import { pathsOf } from './context.js';
import { CliError, printJson } from './output.js';
import { runningDaemon } from './serve.js';
import { hostnameOf, isLoopbackHost } from '../server/middleware/host-guard.js';

interface TopOptions {
  url?: string;
  once?: boolean;
  json?: boolean;
  interval?: number;
  sendTokenTo?: string;
}

export function registerTop(program: Command): void {
  program
    .command('top')
    .description('live dashboard: requests/s, errors, spend, per-provider share and latency, recent requests')
    .option('--url <url>', 'daemon base URL (default: the daemon running for TOKENHUB_HOME)')
    .option('--send-token-to <host>', 'send the admin token to this non-loopback --url host (it is sent to loopback only otherwise)')
    .option('--once', 'print one snapshot and exit')
    .option('--json', 'print the snapshot as JSON (implies --once)')
    .option('--interval <ms>', 'refresh interval in ms (default 1000)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 100) throw new InvalidArgumentError('expected a whole number of milliseconds, at least 100');
      return n;
    })
    .addHelpText(
      'after',
      `
Keys: tab / ←→ switch between provider, model and key views · p pause · q quit.
NO_COLOR turns colour off.

Examples:
  $ tokenhub top
  $ tokenhub top --once --json | jq '.providers[] | {name, requests, share}'
  $ tokenhub top --url http://127.0.0.1:9000`,
    )
    .action(async (opts: TopOptions, cmd: Command) => {
      await runTop(pathsOf(cmd), opts);
    });
}

function daemonUrl(paths: Paths, explicit: string | undefined): string {
  if (explicit) return explicit.replace(/\/+$/, '').replace(/\/v1$/, '');
  return runningDaemon(paths)?.url ?? `http://127.0.0.1:${process.env.TOKENHUB_PORT || 8420}`;
}

/**
 * The admin token opens the admin API of the daemon it belongs to; `--url` may point
 * anywhere (a typo, a shared link). It goes to loopback addresses only, or to the one
 * host the user names with --send-token-to.
 */
export function mayReceiveToken(url: string, sendTokenTo: string | undefined): boolean {
  let host: string;
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
    host = hostnameOf(u.host);
  } catch {
    return false;
  }
  return isLoopbackHost(host) || (sendTokenTo !== undefined && hostnameOf(sendTokenTo) === host);
}

function readToken(paths: Paths): string | null {
  if (process.env.TOKENHUB_ADMIN_TOKEN) return process.env.TOKENHUB_ADMIN_TOKEN;
  try {
    return readFileSync(paths.adminToken, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

async function runTop(paths: Paths, opts: TopOptions): Promise<void> {
  const { httpSnapshotSource } = await import('../tui/source.js');
  const url = daemonUrl(paths, opts.url);
  if (opts.url && !mayReceiveToken(url, opts.sendTokenTo)) {
    const host = URL.canParse(url) ? hostnameOf(new URL(url).host) : '<host>';
    throw new CliError(`not sending the admin token to ${url}: it is not a loopback address`, 1, `If you trust that host, run again with --send-token-to ${host}.`);
  }
  // Asked again on every poll: a daemon restarted on another port or with a new token is found.
  let current = url;
  const fetchSnapshot = () => {
    current = daemonUrl(paths, opts.url);
    return httpSnapshotSource({ url: current, token: () => readToken(paths) })();
  };

  if (opts.once || opts.json) {
    let snapshot;
    try {
      snapshot = await fetchSnapshot();
    } catch (err) {
      const e = err as Error & { code?: string };
      const message = e.code === 'daemon_unreachable' ? `no daemon running at ${current}` : e.message;
      throw new CliError(message, 1, e.code === 'daemon_unreachable' ? 'Start one with `tokenhub serve`.' : undefined);
    }
    if (opts.json) return printJson(snapshot);
    const [{ renderToString }, React, { DashboardView }, { colorEnabled }] = await Promise.all([
      import('ink'),
      import('react'),
      import('../tui/components/DashboardView.js'),
      import('../tui/theme.js'),
    ]);
    const width = process.stdout.columns || 100;
    const frame = React.createElement(DashboardView, {
      snapshot,
      error: null,
      failures: 0,
      url: current,
      view: 'providers',
      paused: false,
      width,
      height: process.stdout.rows || 40,
      color: colorEnabled() && process.stdout.isTTY === true,
      utc: false,
    });
    process.stdout.write(renderToString(frame, { columns: width }) + '\n');
    return;
  }

  if (!process.stdin.isTTY) {
    throw new CliError('tokenhub top needs an interactive terminal', 1, 'For scripts, use `tokenhub top --once --json`.');
  }
  const [{ render }, React, { Dashboard }, { colorEnabled }] = await Promise.all([
    import('ink'),
    import('react'),
    import('../tui/components/Dashboard.js'),
    import('../tui/theme.js'),
  ]);
  const app = render(
    React.createElement(Dashboard, { fetchSnapshot, url, intervalMs: opts.interval ?? 1000, color: colorEnabled() }),
    { maxFps: 10 },
  );
  await app.waitUntilExit();
}
