import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { openDatabase } from '../../src/store/db.js';
import { BatchedUsageWriter } from '../../src/store/usage.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { runCli } from '../helpers/cli.js';
import { eventually, fakeProvider, startGateway, tempHome, type TestGateway } from '../helpers/gateway.js';

interface KeyJson {
  id: string;
  key?: string;
  name: string;
  models: string[] | null;
  ips: string[] | null;
  budget_usd: number | null;
  budget_period: string | null;
  rpm: number | null;
  tpm: number | null;
  expires_at: string | null;
  spend?: { period: string; period_start: string; resets_at: string | null; requests: number; spent_usd: number; remaining_usd: number | null; unpriced_requests: number };
}

describe('tokenhub keys edit and show', () => {
  let home: string;
  let fake: FakeOpenAI;
  let gw: TestGateway;
  const env = () => ({ TOKENHUB_HOME: home });
  const cli = async (...args: string[]) => {
    const r = await runCli(args, env());
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return args.includes('--json') ? (JSON.parse(r.stdout) as KeyJson) : r.stdout;
  };

  before(async () => {
    home = tempHome();
    fake = await startFakeOpenAI();
    gw = await startGateway({ providers: { acme: fakeProvider(fake.url, { 'gpt-fake': { input: 0, output: 250_000 }, 'other-fake': {} }) } }, { home });
  });
  after(async () => {
    await gw.close();
    await fake.close();
    rmSync(home, { recursive: true, force: true });
  });

  test('edit changes any limit and clears it with --no-<limit> or 0; only the flags given change', async () => {
    const k = (await cli('keys', 'create', '--name', 'editme', '--rpm', '10', '--models', 'gpt-*', '--json')) as KeyJson;
    let e = (await cli('keys', 'edit', k.id, '--tpm', '500', '--budget', '2.5', '--budget-period', 'week', '--ips', '10.0.0.0/8,::1', '--json')) as KeyJson;
    assert.deepEqual([e.rpm, e.tpm, e.budget_usd, e.budget_period, e.ips, e.models], [10, 500, 2.5, 'week', ['10.0.0.0/8', '::1'], ['gpt-*']]);
    e = (await cli('keys', 'edit', 'editme', '--no-rpm', '--tpm', '0', '--no-ips', '--no-models', '--expires', '30d', '--name', 'edited', '--json')) as KeyJson;
    assert.deepEqual([e.name, e.rpm, e.tpm, e.ips, e.models, e.budget_usd], ['edited', null, null, null, null, 2.5]);
    assert.ok(Date.parse(e.expires_at!) > Date.now() + 29 * 86_400_000);
    e = (await cli('keys', 'edit', k.id, '--no-budget', '--no-expires', '--json')) as KeyJson;
    assert.deepEqual([e.budget_usd, e.budget_period, e.expires_at], [null, null, null]);
    const text = (await cli('keys', 'edit', k.id, '--rpm', '7')) as string;
    assert.match(text, /Updated key_\w+ \(edited\)/);
    assert.match(text, /7 rpm/);
  });

  test('edit refuses what it cannot do, with exit code 2 for bad usage and 1 for an unknown key', async () => {
    const k = (await cli('keys', 'create', '--json')) as KeyJson;
    const cases: [string[], number, RegExp][] = [
      [['keys', 'edit', k.id], 2, /nothing to change/],
      [['keys', 'edit', k.id, '--budget-period', 'day'], 2, /needs a budget/],
      [['keys', 'edit', k.id, '--ips', '10.0.0.0/33'], 2, /prefix length/],
      [['keys', 'edit', k.id, '--rpm', '-1'], 2, /whole number/],
      [['keys', 'edit', k.id, '--budget-period', 'fortnight'], 2, /Allowed choices/],
      [['keys', 'edit', 'key_nope', '--rpm', '1'], 1, /no key matches/],
      [['keys', 'create', '--ips', 'localhost'], 2, /not an IP address/],
    ];
    for (const [args, code, message] of cases) {
      const r = await runCli(args, env());
      assert.equal(r.code, code, args.join(' '));
      assert.match(r.stderr, message, args.join(' '));
    }
  });

  test('show prints limits, spend in the current calendar period and the remaining budget', async () => {
    // The CLI reads today's date; should the test straddle midnight UTC, it runs again in the new day.
    const day = () => Math.floor(Date.now() / 86_400_000);
    for (let attempt = 0; ; attempt++) {
      const started = day();
      try {
        await showsSpendOfToday(attempt);
        return;
      } catch (err) {
        if (day() === started) throw err;
      }
    }
  });

  async function showsSpendOfToday(attempt: number) {
    const k = (await cli('keys', 'create', '--name', `spender${attempt}`, '--budget', '5', '--budget-period', 'day', '--rpm', '60', '--tpm', '9000', '--json')) as KeyJson;
    const db = openDatabase(gw.paths.db);
    const w = new BatchedUsageWriter(db);
    const base = { keyId: k.id, endpoint: 'chat' as const, requestedModel: 'm', servedModel: 'acme/m', provider: 'acme', strategy: 'cost', attempts: [], stream: false, status: 200, errorCode: null, latencyMs: 1, ttfbMs: null, promptTokens: 1, completionTokens: 1, cachedTokens: 0, usageEstimated: false };
    const now = Date.now();
    const midnight = now - (now % 86_400_000);
    w.record({ ...base, requestId: `r1-${attempt}`, ts: now, costUsd: 1.25 });
    w.record({ ...base, requestId: `r2-${attempt}`, ts: midnight, costUsd: 0.5 });
    w.record({ ...base, requestId: `r3-${attempt}`, ts: midnight - 1, costUsd: 3 }); // yesterday: not in today's spend
    w.record({ ...base, requestId: `r4-${attempt}`, ts: now, costUsd: null });
    w.close();
    db.close();

    const s = (await cli('keys', 'show', k.id, '--json')) as KeyJson;
    assert.deepEqual([s.rpm, s.tpm, s.budget_usd, s.budget_period], [60, 9000, 5, 'day']);
    assert.equal(s.spend!.period, 'day');
    assert.equal(s.spend!.period_start, new Date(midnight).toISOString());
    assert.equal(s.spend!.resets_at, new Date(midnight + 86_400_000).toISOString());
    assert.equal(s.spend!.requests, 3);
    assert.equal(s.spend!.spent_usd, 1.75);
    assert.equal(s.spend!.remaining_usd, 3.25);
    assert.equal(s.spend!.unpriced_requests, 1);
    assert.equal((s as unknown as Record<string, unknown>).key, undefined, 'show never prints the key');

    const text = (await cli('keys', 'show', `spender${attempt}`)) as string;
    assert.match(text, /rate\s+60 requests\/min, 9000 tokens\/min/);
    assert.match(text, /budget\s+\$5\.00 per day/);
    assert.match(text, /spent\s+\$1\.75 today \(since .*\), 3 request\(s\)/);
    assert.match(text, /remaining\s+\$3\.25, resets/);
    assert.match(text, /1 request\(s\) used models without a price/);
  }

  test('edits from the CLI reach the running daemon without a restart', async () => {
    const k = (await cli('keys', 'create', '--name', 'live', '--json')) as KeyJson;
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: k.key!, maxRetries: 0 });
    const ask = (model = 'gpt-fake', max_tokens = 4) => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens });
    const refusedWith = (code: string, model?: string, max?: number) => () => ask(model, max).then(() => false, (e: unknown) => e instanceof OpenAI.APIError && e.code === code);
    // the daemon's watcher picks edits up on its next tick: wait on that, not on a wall-clock margin
    const within1s = (check: () => Promise<boolean>) => eventually(check);
    await ask();

    await cli('keys', 'edit', k.id, '--rpm', '1');
    await within1s(refusedWith('rate_limited'));
    await cli('keys', 'edit', k.id, '--no-rpm');
    await within1s(() => ask().then(() => true, () => false));

    await cli('keys', 'edit', k.id, '--ips', '10.0.0.0/8');
    await within1s(refusedWith('ip_not_allowed'));
    await cli('keys', 'edit', k.id, '--no-ips', '--models', 'other-*');
    await within1s(refusedWith('model_not_allowed', 'gpt-fake'));
    assert.equal((await ask('other-fake')).model, 'acme/other-fake');

    // $1 a request (4 output tokens), and 2 already spent today by this key
    await cli('keys', 'edit', k.id, '--no-models', '--budget', '2.5', '--budget-period', 'day');
    await within1s(refusedWith('insufficient_quota', 'gpt-fake', 4));
    const shown = (await cli('keys', 'show', k.id, '--json')) as KeyJson;
    assert.ok(shown.spend!.spent_usd >= 2);
    await cli('keys', 'edit', k.id, '--budget', '100');
    await within1s(() => ask().then(() => true, () => false));
  });
});
