/**
 * The daemon: config + store + gateway + HTTP server, and the watchers that pick up
 * config.yaml edits and key changes within a second without dropping a request.
 */
import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { randomBytes } from 'node:crypto';
import { rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { ConfigError, loadConfigFile } from '../config/load.js';
import { ensureHome, writePrivateFile, type Paths } from '../config/paths.js';
import { looseModeWarnings } from '../config/permissions.js';
import type { ConfigFile } from '../config/schema.js';
import { startSimulator, type RunningSimulator } from '../demo/simulator.js';
import { KeyLimiter } from '../gateway/limits.js';
import type { GatewayDeps } from '../gateway/pipeline.js';
import { KeyCache } from '../keys/cache.js';
import { MetricsBus } from '../metrics/bus.js';
import { installMetrics } from '../metrics/install.js';
import { buildCatalog, type Catalog } from '../router/catalog.js';
import { RouterHealth } from '../router/health.js';
import { openDatabase, type Db } from '../store/db.js';
import { SqliteKeyStore } from '../store/keys.js';
import { spendSince, type UsageSink } from '../store/usage.js';
import { ThreadedUsageWriter } from '../store/usage-thread.js';
import { UpstreamClient } from '../upstream/client.js';
import { newHopId } from '../upstream/hops.js';
import { systemClock, type Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/log.js';
import { VERSION } from '../version.js';
import { DEFAULT_RETENTION_DAYS, ResponsesStore } from '../store/responses.js';
import { createApp, type AppDeps } from './app.js';
import { hotPath } from './hot.js';
import { closeGracefully, exposureWarning, isLoopbackBind, listen, listenIpv6Loopback } from './listen.js';

export interface DaemonOptions {
  paths: Paths;
  host?: string | undefined;
  port?: number | undefined;
  demo?: boolean;
  log?: Logger;
  env?: NodeJS.ProcessEnv;
  /** how often config.yaml and the key table are checked for changes */
  watchIntervalMs?: number;
  /** how long stored Responses answers wait to be written together (default 20 ms) */
  responsesWindowMs?: number;
  /** the clocks that decide expiry, budgets, rate windows and cooldowns (tests move a fake one) */
  clock?: Clock;
  /** where usage records go instead of the usage table's writer thread (the bench measures recording's cost so) */
  usage?: UsageSink;
  /** extension hook: more routes, more listeners (used by metrics and the dashboard) */
  extend?: (ctx: { deps: AppDeps; gateway: GatewayDeps }) => void;
}

export interface Daemon {
  url: string;
  host: string;
  port: number;
  gateway: GatewayDeps;
  db: Db;
  /** the key minted for `--demo`, printed once */
  demoKey?: string;
  close(graceMs?: number): Promise<void>;
}

export { PortInUseError } from './listen.js';

function mergeDemo(config: ConfigFile, sim: RunningSimulator): ConfigFile {
  return {
    ...config,
    providers: sim.config,
    routing: { strategy: config.routing.strategy, fallback: [] },
    routes: {
      'demo-fast': { strategy: 'latency', targets: ['swift/demo-chat', 'thrifty/demo-chat'], fallback: ['thrifty/demo-mini'] },
    },
  };
}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const { paths } = opts;
  const env = opts.env ?? process.env;
  const log = opts.log ?? silentLogger;
  ensureHome(paths.home);
  for (const w of looseModeWarnings(paths)) log.warn(w);

  const sim = opts.demo ? await startSimulator() : undefined;
  const loaded = loadConfigFile(paths.config, env);
  let config = sim ? mergeDemo(loaded.config, sim) : loaded.config;
  let catalog: Catalog = buildCatalog(config, env);
  for (const w of [...loaded.warnings, ...catalog.warnings]) log.warn(w);

  const db = openDatabase(paths.db);
  const keyStore = new SqliteKeyStore(db);
  let demoKey: string | undefined;
  if (sim) {
    for (const k of keyStore.list()) if (k.name === 'demo' && k.revokedAt === null) keyStore.revoke(k.id);
    demoKey = keyStore.create({ name: 'demo' }).key;
  }
  const clock = opts.clock ?? systemClock;
  const responsesStore = new ResponsesStore(db, () => config.responses?.retention_days ?? DEFAULT_RETENTION_DAYS, clock.wall, opts.responsesWindowMs ?? 20, (err) =>
    log.error('storing responses failed; will retry', { error: String(err) }),
  );
  const keys = new KeyCache(keyStore, clock.wall);
  const usage: UsageSink = opts.usage ?? new ThreadedUsageWriter(paths.db, 100, (why) => log.error('usage write failed; will retry', { error: why }));
  // With the usage writer's thread, this connection (keys, budgets, stored responses: the request
  // path) never runs a WAL checkpoint, whose copy and fsync can take tens of milliseconds; the
  // thread, which commits with every batch of requests, runs them (its connection keeps SQLite's
  // default). A daemon given another sink (the bench, tests) keeps the default here.
  if (usage instanceof ThreadedUsageWriter) db.pragma('wal_autocheckpoint = 0');
  // Budgets start from the usage table (plus records not written yet) and run in memory after.
  const limits = new KeyLimiter({
    // records still on their way to disk count too, without blocking the loop on the writer thread
    spentSince: (keyId, since) => spendSince(db, keyId, since, usage.pending?.() ?? []),
    clock: clock.mono,
    wallClock: clock.wall,
  });
  keys.onReload((records) => limits.sync(records));
  const metrics = new MetricsBus();
  const hopId = newHopId();
  const gateway: GatewayDeps = {
    catalog: () => catalog,
    keys,
    upstream: new UpstreamClient(undefined, hopId, () => Math.round((config.server.max_response_mb ?? 64) * 1024 * 1024)),
    usage,
    metrics,
    log,
    limits,
    // Rolling stats and circuits outlive config reloads: a provider's record stays with it.
    router: new RouterHealth(metrics, log, clock.wall),
    clock,
  };

  const adminToken = randomBytes(32).toString('base64url');
  writePrivateFile(paths.adminToken, adminToken + '\n');

  // PRAGMA data_version moves when another connection commits (the CLI, but also the
  // usage writer's thread); the keys_version counter says whether it was the keys.
  const keysVersion = db.prepare(`SELECT value FROM meta WHERE name = 'keys_version'`).pluck();
  let lastDataVersion = db.pragma('data_version', { simple: true }) as number;
  let lastKeysVersion = keysVersion.get() as number;
  const refreshKeys = (): boolean => {
    const dv = db.pragma('data_version', { simple: true }) as number;
    if (dv === lastDataVersion) return false;
    lastDataVersion = dv;
    const kv = keysVersion.get() as number;
    if (kv === lastKeysVersion) return false;
    lastKeysVersion = kv;
    keys.reload();
    return true;
  };

  const startedAt = Date.now();
  const deps: AppDeps = {
    refreshKeys,
    gateway,
    adminToken: () => adminToken,
    maxBodyBytes: () => Math.round((config.server.max_body_mb ?? 10) * 1024 * 1024),
    maxBufferedBytes: () => Math.round((config.server.max_buffered_mb ?? 64) * 1024 * 1024),
    bodyTimeoutMs: () => config.server.body_timeout_ms ?? 30_000,
    hopId,
    allowedHosts: () => config.server.allowed_hosts ?? [],
    allowedOrigins: () => config.server.cors_origins ?? [],
    version: VERSION,
    startedAt,
    responsesStore,
  };
  installMetrics(deps, { db });
  opts.extend?.({ deps, gateway });
  const { app, hot } = createApp(deps);
  // The proxy POST routes straight from node:http (hot.ts), everything else through Hono.
  const makeServer = (hostname: string) => createServer(hotPath(hot, getRequestListener(app.fetch, { hostname })));

  const requestedHost = opts.host ?? config.server.host ?? '127.0.0.1';
  // `localhost` resolves differently per system: bind both loopback addresses explicitly.
  const host = requestedHost.toLowerCase() === 'localhost' ? '127.0.0.1' : requestedHost;
  const port = opts.port ?? (env.TOKENHUB_PORT ? Number(env.TOKENHUB_PORT) : undefined) ?? config.server.port ?? 8420;
  const server = makeServer(host);
  try {
    await listen(server, host, port);
  } catch (err) {
    usage.close();
    db.close();
    await sim?.close();
    throw err;
  }
  const actualPort = (server.address() as AddressInfo).port;
  const twin = host === '127.0.0.1' ? await listenIpv6Loopback(() => makeServer('::1'), actualPort, log) : undefined;
  const servers = twin ? [server, twin] : [server];
  if (!isLoopbackBind(host)) log.warn(exposureWarning(host, actualPort));
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;

  // Watchers: cheap stat and PRAGMA checks; reloads happen off the request path.
  const configStamp = () => {
    try {
      const s = statSync(paths.config);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      return 'missing';
    }
  };
  let lastConfigStamp = configStamp();
  const watch = setInterval(() => {
    try {
      refreshKeys();
    } catch (err) {
      log.error('key reload failed', { error: String(err) });
    }
    if (sim) return;
    const stamp = configStamp();
    if (stamp === lastConfigStamp) return;
    lastConfigStamp = stamp;
    try {
      const next = loadConfigFile(paths.config, env);
      const nextCatalog = buildCatalog(next.config, env);
      config = next.config;
      catalog = nextCatalog;
      for (const w of [...next.warnings, ...nextCatalog.warnings]) log.warn(w);
      log.info('config reloaded', { providers: catalog.providers.size, models: catalog.entries.length });
    } catch (err) {
      const why = err instanceof ConfigError ? err.message : String(err);
      log.error(`config.yaml not reloaded, still serving the last good config:\n${why}`);
    }
  }, opts.watchIntervalMs ?? 250);
  watch.unref();
  // Expired stored responses go hourly (and now); usage records are another table and stay.
  const pruneResponses = () => {
    try {
      responsesStore.prune();
    } catch (err) {
      log.error('pruning stored responses failed', { error: String(err) });
    }
  };
  pruneResponses();
  const prune = setInterval(pruneResponses, 60 * 60 * 1000);
  prune.unref();

  writePrivateFile(paths.pidFile, `${process.pid}\n`);
  writePrivateFile(
    paths.stateFile,
    JSON.stringify({ pid: process.pid, url, host, port: actualPort, started_at: new Date(startedAt).toISOString(), demo: !!sim, version: VERSION }, null, 2) + '\n',
  );

  let closing: Promise<void> | undefined;
  /** Stops accepting, lets in-flight requests and streams finish (up to the grace period), then flushes every usage record. */
  const close = (graceMs = config.server.shutdown_grace_ms ?? 10_000): Promise<void> => {
    closing ??= (async () => {
      clearInterval(watch);
      clearInterval(prune);
      await Promise.all(servers.map((s) => closeGracefully(s, graceMs)));
      // Streams cut at the deadline record their usage from their cancel callbacks: let those run first.
      await new Promise((r) => setImmediate(r));
      usage.close();
      responsesStore.flush();
      await gateway.upstream.close();
      await sim?.close();
      db.close();
      for (const f of [paths.pidFile, paths.stateFile]) rmSync(f, { force: true });
    })();
    return closing;
  };

  return { url, host, port: actualPort, gateway, db, demoKey, close };
}
