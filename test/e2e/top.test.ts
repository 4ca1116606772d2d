import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { MetricsSnapshot } from '../../src/metrics/snapshot.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { runCli } from '../helpers/cli.js';
import { eventually, fakeProvider, startGateway, tempHome, type TestGateway } from '../helpers/gateway.js';

// Runs the built CLI: `npm test` builds first; run `npm run build` before this file alone.
describe('tokenhub top and the metrics endpoints', () => {
  let east: FakeOpenAI;
  let west: FakeOpenAI;
  let gw: TestGateway;
  let home: string;
  let token: string;

  before(async () => {
    east = await startFakeOpenAI();
    west = await startFakeOpenAI();
    home = tempHome();
    gw = await startGateway(
      {
        providers: {
          east: fakeProvider(east.url, { 'gpt-fake': { input: 1, output: 2 } }),
          west: fakeProvider(west.url, { 'gpt-fake': { input: 3, output: 4 } }),
        },
      },
      { home },
    );
    token = readFileSync(gw.paths.adminToken, 'utf8').trim();
    const ask = (model: string, stream = false) =>
      stream
        ? gw.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], stream: true }).then(async (s) => {
            for await (const _ of s);
          })
        : gw.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
    for (let i = 0; i < 5; i++) await ask('east/gpt-fake');
    await ask('east/gpt-fake', true);
    for (let i = 0; i < 4; i++) await ask('west/gpt-fake');
    await eventually(async () => (await adminMetrics()).totals.requests === 10);
  });
  after(async () => {
    await gw?.close();
    await east?.close();
    await west?.close();
  });

  async function adminMetrics(): Promise<MetricsSnapshot> {
    const res = await fetch(`${gw.url}/admin/metrics`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    return (await res.json()) as MetricsSnapshot;
  }

  test('top --once --json prints counts and shares per provider', async () => {
    const r = await runCli(['top', '--once', '--json'], { TOKENHUB_HOME: home });
    assert.equal(r.code, 0, r.stderr);
    const snap = JSON.parse(r.stdout) as MetricsSnapshot;
    assert.equal(snap.schema, 1);
    assert.equal(snap.totals.requests, 10);
    assert.equal(snap.totals.errors, 0);
    const byName = Object.fromEntries(snap.providers.map((p) => [p.name, p]));
    assert.equal(byName.east!.requests, 6);
    assert.equal(byName.east!.share, 0.6);
    assert.equal(byName.west!.requests, 4);
    assert.equal(byName.west!.share, 0.4);
    assert.equal(byName.east!.circuit, 'closed');
    assert.ok(byName.east!.latencyMs.p50! > 0);
    assert.equal(byName.east!.recentLatencyMs.length, 6);
    // 13 prompt + 4 completion tokens per request (the fake's default usage)
    assert.equal(snap.totals.tokens.total, 170);
    assert.ok(snap.spendTodayUsd > 0);
    assert.equal(snap.spendTodayUsd, snap.totals.costUsd);
    assert.equal(snap.recent.length, 10);
    assert.equal(snap.recent[0]!.provider, 'west');
    assert.equal(snap.recent[0]!.keyName, 'test');
    assert.equal(snap.keys[0]!.requests, 10);
  });

  test('top --once prints one text frame', async () => {
    const r = await runCli(['top', '--once'], { TOKENHUB_HOME: home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^TokenHub {2}http:\/\/127\.0\.0\.1:\d+/);
    assert.match(r.stdout, /^east +█+.* 60% +6 /m);
    assert.match(r.stdout, /^west +█+.* 40% +4 /m);
  });

  test('the admin API refuses requests without the admin token', async () => {
    const none = await fetch(`${gw.url}/admin/metrics`);
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { error: { code: string } }).error.code, 'invalid_api_key');
    const wrong = await fetch(`${gw.url}/admin/metrics`, { headers: { authorization: 'Bearer not-the-token' } });
    assert.equal(wrong.status, 401);
    const key = await fetch(`${gw.url}/admin/metrics`, { headers: { authorization: `Bearer ${gw.key}` } });
    assert.equal(key.status, 401, 'a gateway key is not the admin token');
  });

  test('top reports a refused admin token', async () => {
    const r = await runCli(['top', '--once', '--json'], { TOKENHUB_HOME: home, TOKENHUB_ADMIN_TOKEN: 'wrong' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refused the admin token/);
  });

  test('GET /metrics serves Prometheus text', async () => {
    const res = await fetch(`${gw.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    assert.match(text, /^tokenhub_requests_total\{provider="east",model="[^"]*gpt-fake",status="200"\} 6$/m);
    assert.match(text, /^tokenhub_requests_total\{provider="west",model="[^"]*gpt-fake",status="200"\} 4$/m);
    assert.match(text, /^tokenhub_request_duration_seconds_count\{provider="east"\} 6$/m);
    assert.match(text, /^tokenhub_circuit_state\{provider="west"\} 0$/m);
    assert.doesNotMatch(text, /sk-th-|test/, 'no keys or key names');
  });

  test('top --once says when no daemon is running', async () => {
    const r = await runCli(['top', '--once', '--json', '--url', 'http://127.0.0.1:9'], { TOKENHUB_HOME: tempHome() });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no daemon running at http:\/\/127\.0\.0\.1:9/);
    assert.equal(r.stdout, '');
  });
});
