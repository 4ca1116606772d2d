import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { openDatabase } from '../../src/store/db.js';
import { SqliteKeyStore } from '../../src/store/keys.js';
import { createLogger } from '../../src/util/log.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { manualClock } from '../helpers/clock.js';
import { eventually, fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

const chat = { messages: [{ role: 'user' as const, content: 'hi' }] };

async function refusal(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof OpenAI.APIError, String(err));
    return err;
  }
  assert.fail('expected the request to be refused');
}

describe('key scopes: IP allowlists, models, expiry and revocation through the OpenAI SDK', () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;
  const logLines: string[] = [];
  const clock = manualClock();
  const clientFor = (key: string, baseURL = `${gw.url}/v1`) => new OpenAI({ baseURL, apiKey: key, maxRetries: 0 });

  before(async () => {
    fake = await startFakeOpenAI();
    gw = await startGateway(
      {
        providers: {
          acme: fakeProvider(fake.url, { 'gpt-fake': { input: 1, output: 2 }, 'gpt-other': { input: 1, output: 2 }, 'claude-fake': { input: 3, output: 4 } }),
        },
      },
      { log: createLogger({ level: 'debug', write: (l) => logLines.push(l) }), clock },
    );
  });
  after(async () => {
    await gw.close();
    await fake.close();
  });

  test('a client outside the key’s IP allowlist gets 403 ip_not_allowed; inside it is served', async () => {
    const outside = gw.mintKey({ ips: ['10.0.0.0/8', '2001:db8::/32'] });
    const err = await refusal(clientFor(outside.key).chat.completions.create({ model: 'gpt-fake', ...chat }));
    assert.ok(err instanceof OpenAI.PermissionDeniedError);
    assert.equal(err.status, 403);
    assert.equal(err.code, 'ip_not_allowed');
    assert.match(err.message, /127\.0\.0\.1/);
    assert.ok(err.headers.get('x-inferoute-request-id'));
    const inside = gw.mintKey({ ips: ['10.0.0.0/8', '127.0.0.0/8'] });
    const ok = await clientFor(inside.key).chat.completions.create({ model: 'gpt-fake', ...chat });
    assert.equal(ok.model, 'acme/gpt-fake');
  });

  test('the address is the socket’s: X-Forwarded-For does not open an allowlist', async () => {
    const { key } = gw.mintKey({ ips: ['203.0.113.0/24'] });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0, defaultHeaders: { 'x-forwarded-for': '203.0.113.5', 'x-real-ip': '203.0.113.5' } });
    const err = await refusal(client.models.list());
    assert.equal(err.code, 'ip_not_allowed');
  });

  test('IPv6 and IPv4-mapped client addresses are matched', async () => {
    const v6 = await startGateway({ providers: { acme: fakeProvider(fake.url, { 'gpt-fake': {} }) } }, { host: '::1' });
    const mapped = await startGateway({ providers: { acme: fakeProvider(fake.url, { 'gpt-fake': {} }) } }, { host: '::ffff:127.0.0.1' });
    try {
      const ok6 = v6.mintKey({ ips: ['::1/128'] });
      const no6 = v6.mintKey({ ips: ['127.0.0.1/32'] });
      const base6 = `http://[::1]:${v6.daemon.port}/v1`;
      assert.equal((await clientFor(ok6.key, base6).chat.completions.create({ model: 'gpt-fake', ...chat })).model, 'acme/gpt-fake');
      assert.equal((await refusal(clientFor(no6.key, base6).models.list())).code, 'ip_not_allowed');

      // a socket bound to an IPv6 address reports an IPv4 client as ::ffff:127.0.0.1
      const ok4 = mapped.mintKey({ ips: ['127.0.0.1/32'] });
      const no4 = mapped.mintKey({ ips: ['::1/128'] });
      const base4 = `http://127.0.0.1:${mapped.daemon.port}/v1`;
      assert.equal((await clientFor(ok4.key, base4).chat.completions.create({ model: 'gpt-fake', ...chat })).model, 'acme/gpt-fake');
      assert.equal((await refusal(clientFor(no4.key, base4).models.list())).code, 'ip_not_allowed');
    } finally {
      await v6.close();
      await mapped.close();
    }
  });

  test('a model outside the key’s globs is 403 model_not_allowed, and /v1/models lists only allowed models with pricing', async () => {
    const { key } = gw.mintKey({ models: ['gpt-*'] });
    const client = clientFor(key);
    const err = await refusal(client.chat.completions.create({ model: 'claude-fake', ...chat }));
    assert.ok(err instanceof OpenAI.PermissionDeniedError);
    assert.equal(err.code, 'model_not_allowed');
    const err2 = await refusal(client.chat.completions.create({ model: 'acme/claude-fake', ...chat }));
    assert.equal(err2.code, 'model_not_allowed');
    assert.equal((await client.chat.completions.create({ model: 'acme/gpt-other', ...chat })).model, 'acme/gpt-other');

    const models = (await client.models.list()).data as unknown as { id: string; pricing: { input: number; output: number } | null }[];
    assert.deepEqual(models.map((m) => m.id).sort(), ['acme/gpt-fake', 'acme/gpt-other']);
    assert.deepEqual(
      models.map((m) => [m.pricing?.input, m.pricing?.output]),
      [
        [1, 2],
        [1, 2],
      ],
    );
    const narrow = gw.mintKey({ models: ['acme/gpt-other'] });
    assert.deepEqual((await clientFor(narrow.key).models.list()).data.map((m) => m.id), ['acme/gpt-other']);
  });

  test('an expired key and a revoked key are 401', async () => {
    const expired = gw.mintKey({ expiresAt: clock.wall() - 1000 });
    const err = await refusal(clientFor(expired.key).models.list());
    assert.ok(err instanceof OpenAI.AuthenticationError);
    assert.equal(err.code, 'invalid_api_key');
    assert.match(err.message, /expired/);

    const soon = gw.mintKey({ expiresAt: clock.wall() + 300 });
    await clientFor(soon.key).models.list();
    clock.advance(299);
    await clientFor(soon.key).models.list();
    clock.advance(1);
    assert.match((await refusal(clientFor(soon.key).models.list())).message, /expired/, 'expiry needs no reload');

    const revoked = gw.mintKey();
    new SqliteKeyStore(gw.daemon.db).revoke(revoked.id);
    gw.daemon.gateway.keys.reload();
    const err2 = await refusal(clientFor(revoked.key).chat.completions.create({ model: 'gpt-fake', ...chat }));
    assert.ok(err2 instanceof OpenAI.AuthenticationError);
    assert.match(err2.message, /revoked/);
  });

  test('a key revoked from another process while requests stream is refused by the next key reload, without a restart', async () => {
    const { id, key } = gw.mintKey();
    const client = clientFor(key);
    fake.setReply(() => ({ pieces: Array.from({ length: 8 }, () => 'y'), chunkDelayMs: 40 }));
    try {
      const streams = await Promise.all([1, 2, 3].map(() => client.chat.completions.create({ model: 'gpt-fake', ...chat, stream: true })));
      const cli = openDatabase(gw.paths.db); // the CLI's own connection
      new SqliteKeyStore(cli).revoke(id);
      cli.close();
      // the watcher (every 50 ms here, 250 ms by default) reloads the keys; wait on that, not on a margin
      await eventually(async () => client.models.list().then(() => false, (e) => e instanceof OpenAI.AuthenticationError));
      for (const s of streams) {
        let text = '';
        for await (const c of s) text += c.choices[0]?.delta.content ?? '';
        assert.equal(text, 'y'.repeat(8), 'streams already running finish');
      }
    } finally {
      fake.setReply(() => ({}));
    }
  });

  test('keys never appear in clear in the database, the log or error bodies', async () => {
    const { key } = gw.mintKey({ ips: ['10.0.0.0/8'] });
    const bodies: string[] = [];
    const send = async (auth: string) => {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-fake', ...chat }),
      });
      bodies.push(await res.text(), JSON.stringify([...res.headers]));
    };
    await send(`Bearer ${key}`); // ip_not_allowed
    await send(`Bearer ${key}x`); // malformed
    await send(`Bearer ${key.slice(0, -1)}Q`); // unknown
    await gw.client.chat.completions.create({ model: 'gpt-fake', ...chat });
    await gw.usage(); // flushes the usage writer
    gw.daemon.db.pragma('wal_checkpoint(FULL)');
    const secrets = [key, gw.key, key.slice(6), gw.key.slice(6)];
    const files = ['', '-wal'].map((side) => {
      try {
        return readFileSync(gw.paths.db + side).toString('latin1');
      } catch {
        return '';
      }
    });
    assert.ok(files[0]!.length > 0);
    const log = logLines.join('\n');
    assert.ok(log.includes('"request"'), 'the log was captured');
    for (const s of secrets) {
      for (const f of files) assert.equal(f.includes(s), false, 'key in the database file');
      assert.equal(log.includes(s), false, 'key in the log');
      for (const b of bodies) assert.equal(b.includes(s), false, 'key in a response');
    }
  });
});
