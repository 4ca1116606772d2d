/**
 * Starts the real daemon in-process on port 0 with a temp TOKENHUB_HOME, a config
 * written as a user would write it, a real SQLite file, and a minted key.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { resolvePaths, type Paths } from '../../src/config/paths.js';
import type { ConfigFile } from '../../src/config/schema.js';
import { startDaemon, type Daemon, type DaemonOptions } from '../../src/server/daemon.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteKeyStore, type NewKey } from '../../src/store/keys.js';
import type { UsageRecord } from '../../src/store/usage.js';
import { createLogger } from '../../src/util/log.js';

export interface TestGateway {
  daemon: Daemon;
  url: string;
  key: string;
  paths: Paths;
  client: OpenAI;
  /** mints another key through the store, as `tokenhub keys create` does */
  mintKey(input?: NewKey): { id: string; key: string };
  /** the usage table, after flushing the writer */
  usage(): Promise<UsageRecord[]>;
  close(): Promise<void>;
}

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'tokenhub-test-'));
}

export function writeConfig(home: string, config: Partial<ConfigFile> | string): string {
  const path = join(home, 'config.yaml');
  writeFileSync(path, typeof config === 'string' ? config : stringify(config));
  return path;
}

/** An openai-compatible provider entry for a fake server. */
export function fakeProvider(url: string, models: Record<string, { input?: number; output?: number; cached_input?: number } | null>) {
  return { type: 'openai-compatible' as const, base_url: url, api_key: 'sk-upstream-secret-0123456789', models };
}

export async function startGateway(
  config: Partial<ConfigFile> | string,
  opts: Partial<DaemonOptions> & { home?: string } = {},
): Promise<TestGateway> {
  const home = opts.home ?? tempHome();
  writeConfig(home, config);
  const paths = resolvePaths({}, { TOKENHUB_HOME: home });
  // TOKENHUB_TEST_LOG=1 shows the daemon's log while debugging a test.
  const log = process.env.TOKENHUB_TEST_LOG ? createLogger({ pretty: true, level: 'debug' }) : undefined;
  const daemon = await startDaemon({ paths, port: 0, watchIntervalMs: 50, log, ...opts });
  const store = new SqliteKeyStore(daemon.db);
  const mintKey = (input: NewKey = {}) => {
    const { record, key } = store.create({ name: 'test', ...input });
    daemon.gateway.keys.reload();
    return { id: record.id, key };
  };
  const { key } = mintKey();
  return {
    daemon,
    url: daemon.url,
    key,
    paths,
    client: new OpenAI({ baseURL: `${daemon.url}/v1`, apiKey: key, maxRetries: 0 }),
    mintKey,
    usage: async () => {
      await new Promise((r) => setTimeout(r, 20));
      daemon.gateway.usage.flush();
      const db = openDatabase(paths.db);
      try {
        return (db.prepare('SELECT * FROM usage ORDER BY ts, rowid').all() as Record<string, unknown>[]).map(rowToRecord);
      } finally {
        db.close();
      }
    },
    close: async () => {
      await daemon.close(1000);
      if (!opts.home) rmSync(home, { recursive: true, force: true });
    },
  };
}

function rowToRecord(r: Record<string, unknown>): UsageRecord {
  return {
    requestId: r.request_id as string,
    ts: r.ts as number,
    keyId: r.key_id as string | null,
    endpoint: r.endpoint as UsageRecord['endpoint'],
    requestedModel: r.requested_model as string | null,
    servedModel: r.served_model as string | null,
    provider: r.provider as string | null,
    strategy: r.strategy as string | null,
    attempts: r.attempt_log ? JSON.parse(r.attempt_log as string) : [],
    stream: r.stream === 1,
    status: r.status as number,
    errorCode: r.error_code as string | null,
    latencyMs: r.latency_ms as number,
    ttfbMs: r.ttfb_ms as number | null,
    promptTokens: r.prompt_tokens as number,
    completionTokens: r.completion_tokens as number,
    cachedTokens: r.cached_tokens as number,
    cacheWriteTokens: (r.cache_write_tokens as number | undefined) ?? 0,
    reasoningTokens: (r.reasoning_tokens as number | undefined) ?? 0,
    usageEstimated: r.usage_estimated === 1,
    costUsd: r.cost_usd as number | null,
  };
}

/**
 * Polls until `check` passes (for watchers that run on an interval and work that ends
 * after the response). The timeout only stops a test that would otherwise hang: it is
 * generous so a loaded machine never fails a test that is right.
 */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

export interface ProviderPair {
  a: import('../fakes/openai.js').FakeOpenAI;
  b: import('../fakes/openai.js').FakeOpenAI;
  gw: TestGateway;
  close(): Promise<void>;
}

/** Two fake providers serving model `chat`, `a` cheap and `b` dear (so `cost` tries `a` first), behind one gateway. */
export async function startCheapAndDear(routing: Record<string, unknown>, opts: Partial<DaemonOptions> = {}): Promise<ProviderPair> {
  const { startFakeOpenAI } = await import('../fakes/openai.js');
  const [a, b] = await Promise.all([startFakeOpenAI(), startFakeOpenAI()]);
  const gw = await startGateway({
    routing: routing as ConfigFile['routing'],
    providers: {
      a: fakeProvider(a.url, { chat: { input: 0.1, output: 0.1 } }),
      b: fakeProvider(b.url, { chat: { input: 1, output: 1 } }),
    },
  }, opts);
  return {
    a,
    b,
    gw,
    close: async () => {
      await gw.close();
      await Promise.all([a.close(), b.close()]);
    },
  };
}
