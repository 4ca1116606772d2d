import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { resolvePaths } from '../../src/config/paths.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteKeyStore } from '../../src/store/keys.js';
import { BatchedUsageWriter, type UsageRecord } from '../../src/store/usage.js';
import { runCli } from '../helpers/cli.js';
import { tempHome } from '../helpers/gateway.js';

const DAY = 86_400_000;
const today = Date.UTC(2026, 10, 27, 12);

function rec(over: Partial<UsageRecord>): UsageRecord {
  return {
    requestId: 'req_' + Math.random().toString(36).slice(2),
    ts: today,
    keyId: null,
    endpoint: 'chat',
    requestedModel: 'm',
    servedModel: 'acme/m',
    provider: 'acme',
    strategy: 'cost',
    attempts: [],
    stream: false,
    status: 200,
    errorCode: null,
    latencyMs: 100,
    ttfbMs: null,
    promptTokens: 0,
    completionTokens: 0,
    cachedTokens: 0,
    usageEstimated: false,
    costUsd: 0,
    ...over,
  };
}

interface Row {
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  unpriced_requests: number;
  p50_latency_ms: number | null;
}
type Report = Row & { by: string | null; key: string | null; groups?: (Row & Record<string, unknown>)[] };

describe('tokenhub usage', () => {
  let home: string;
  let keyA: string;
  let keyB: string;
  const env = () => ({ TOKENHUB_HOME: home });
  const usage = async (...args: string[]) => {
    const r = await runCli(['usage', ...args, '--json'], env());
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Report;
  };

  before(() => {
    home = tempHome();
    const db = openDatabase(resolvePaths({}, { TOKENHUB_HOME: home }).db);
    const keys = new SqliteKeyStore(db);
    keyA = keys.create({ name: 'alice' }).record.id;
    keyB = keys.create({ name: 'bob' }).record.id;
    const w = new BatchedUsageWriter(db);
    // acme: three successes (latency 100, 300, 200) and one error; zen: one unpriced success
    w.record(rec({ keyId: keyA, latencyMs: 100, promptTokens: 10, completionTokens: 5, cachedTokens: 2, costUsd: 0.5 }));
    w.record(rec({ keyId: keyA, latencyMs: 300, promptTokens: 20, completionTokens: 6, cacheWriteTokens: 4, reasoningTokens: 3, costUsd: 0.25, servedModel: 'acme/big' }));
    w.record(rec({ keyId: keyB, latencyMs: 200, promptTokens: 30, completionTokens: 7, costUsd: 1, ts: today - DAY }));
    w.record(rec({ keyId: keyB, latencyMs: 5, status: 502, errorCode: 'upstream_unavailable', costUsd: null }));
    w.record(rec({ keyId: keyA, latencyMs: 50, provider: 'zen', servedModel: 'zen/free', promptTokens: 40, completionTokens: 8, costUsd: null, ts: today - 3 * DAY }));
    w.close();
    db.close();
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  test('--json totals: requests, errors, tokens, cost, unpriced and p50 latency of successes', async () => {
    const r = await usage();
    assert.deepEqual(
      { ...r, since: undefined },
      {
        since: undefined,
        key: null,
        by: null,
        requests: 5,
        errors: 1,
        prompt_tokens: 100,
        completion_tokens: 26,
        cached_tokens: 2,
        cache_write_tokens: 4,
        reasoning_tokens: 3,
        cost_usd: 1.75,
        unpriced_requests: 1,
        p50_latency_ms: 150,
      },
    );
  });

  test('--by provider, model, key and day give one row each with their own totals', async () => {
    const byProvider = await usage('--by', 'provider');
    assert.deepEqual(
      byProvider.groups!.map((g) => [g.provider, g.requests, g.errors, g.cost_usd, g.unpriced_requests, g.p50_latency_ms]),
      [
        ['acme', 4, 1, 1.75, 0, 200],
        ['zen', 1, 0, 0, 1, 50],
      ],
    );
    assert.equal(byProvider.requests, 5, 'totals come along');
    const byModel = await usage('--by', 'model');
    assert.deepEqual(byModel.groups!.map((g) => [g.model, g.requests]), [
      ['acme/m', 3],
      ['acme/big', 1],
      ['zen/free', 1],
    ]);
    const byKey = await usage('--by', 'key');
    assert.deepEqual(byKey.groups!.map((g) => [g.key, g.name, g.requests, g.prompt_tokens]).sort(), [
      [keyA, 'alice', 3, 70],
      [keyB, 'bob', 2, 30],
    ].sort());
    const byDay = await usage('--by', 'day');
    assert.deepEqual(byDay.groups!.map((g) => [g.day, g.requests]), [
      ['2026-11-24', 1],
      ['2026-11-26', 1],
      ['2026-11-27', 3],
    ]);
  });

  test('--since and --key filter before grouping', async () => {
    const sinceIso = new Date(today - DAY / 2).toISOString();
    const r = await usage('--since', sinceIso, '--key', 'alice', '--by', 'model');
    assert.equal(r.key, keyA);
    assert.deepEqual(r.groups!.map((g) => [g.model, g.requests]), [
      ['acme/m', 1],
      ['acme/big', 1],
    ]);
    assert.equal(r.cost_usd, 0.75);
    const missing = await runCli(['usage', '--key', 'nobody'], env());
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no key matches/);
    const bad = await runCli(['usage', '--by', 'colour'], env());
    assert.equal(bad.code, 2);
  });

  test('the table has a row per group, a TOTAL row and says which cost is missing', async () => {
    const r = await runCli(['usage', '--by', 'provider'], env());
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[1]!, /^PROVIDER\s+REQUESTS\s+ERRORS\s+PROMPT\s+COMPLETION\s+CACHE READ\s+CACHE WRITE\s+REASONING\s+COST\s+P50$/);
    assert.match(lines[2]!, /^acme\s+4\s+1\s+60\s+18\s+2\s+4\s+3\s+\$1\.75\s+200ms$/);
    assert.match(lines[3]!, /^zen\s+1\s+0\s+40\s+8\s+0\s+0\s+0\s+unpriced\s+50ms$/);
    assert.match(lines[4]!, /^TOTAL\s+5\s+1\s+100\s+26\s+2\s+4\s+3\s+\$1\.75\*\s+150ms$/);
    assert.match(r.stderr, /1 request\(s\) used models without a price/);
    const plain = await runCli(['usage'], env());
    assert.match(plain.stdout, /REQUESTS\s+ERRORS\s+PROMPT\s+COMPLETION\s+CACHE READ\s+CACHE WRITE\s+REASONING\s+COST\s+P50/);
  });
});
