/**
 * The daemon records usage through an injected sink; no environment variable turns
 * recording off in production. The bench's "recording off" daemon is that seam.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { openDatabase } from '../../src/store/db.js';
import { SqliteKeyStore } from '../../src/store/keys.js';
import type { UsageRecord } from '../../src/store/usage.js';
import { startFakeOpenAI } from '../fakes/openai.js';
import { startCli } from '../helpers/cli.js';
import { fakeProvider, startGateway, tempHome, writeConfig } from '../helpers/gateway.js';

const ask = { model: 'gpt-fake', messages: [{ role: 'user' as const, content: 'hi' }] };

test('no environment switch turns usage recording off (the old bench-only TOKENHUB_BENCH_NO_USAGE is ignored)', async () => {
  const fake = await startFakeOpenAI();
  const gw = await startGateway({ providers: { acme: fakeProvider(fake.url, { 'gpt-fake': {} }) } }, { env: { ...process.env, TOKENHUB_BENCH_NO_USAGE: '1' } });
  try {
    await gw.client.chat.completions.create(ask);
    assert.equal((await gw.usage()).length, 1);
    // the writer's thread runs the WAL checkpoints: the request path's connection never does
    assert.equal(gw.daemon.db.pragma('wal_autocheckpoint', { simple: true }), 0);
  } finally {
    await gw.close();
    await fake.close();
  }
});

test('an injected usage sink gets every record instead of the usage table', async () => {
  const fake = await startFakeOpenAI();
  const got: UsageRecord[] = [];
  const gw = await startGateway({ providers: { acme: fakeProvider(fake.url, { 'gpt-fake': {} }) } }, { usage: { record: (r) => got.push(r), flush() {}, close() {} } });
  try {
    await gw.client.chat.completions.create(ask);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.servedModel, 'acme/gpt-fake');
    assert.equal((await gw.usage()).length, 0);
    // no writer thread to run checkpoints: this connection keeps SQLite's default
    assert.equal(gw.daemon.db.pragma('wal_autocheckpoint', { simple: true }), 1000);
  } finally {
    await gw.close();
    await fake.close();
  }
});

test('the bench’s recording-off daemon (bench/serve-without-usage.mjs) serves and writes no usage', async () => {
  const fake = await startFakeOpenAI();
  const home = tempHome();
  writeConfig(home, { providers: { acme: fakeProvider(fake.url, { 'gpt-fake': {} }) } });
  const db = openDatabase(`${home}/tokenhub.db`);
  const { key } = new SqliteKeyStore(db).create({ name: 'bench' });
  const entry = fileURLToPath(new URL('../../bench/serve-without-usage.mjs', import.meta.url));
  const { child, match } = await startCli([], { TOKENHUB_HOME: home }, /(http:\/\/127\.0\.0\.1:\d+\/v1)/, 10_000, entry);
  try {
    const res = await new OpenAI({ baseURL: match[1], apiKey: key, maxRetries: 0 }).chat.completions.create(ask);
    assert.equal(res.model, 'acme/gpt-fake');
    assert.equal(db.prepare('SELECT COUNT(*) FROM usage').pluck().get(), 0);
  } finally {
    child.kill('SIGTERM');
    db.close();
    await fake.close();
  }
});
