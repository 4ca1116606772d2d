import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createServer } from 'node:net';
import OpenAI from 'openai';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

/** A port nothing listens on: bind, note it, close. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

async function post(gw: TestGateway, path: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as { error: { code: string; type: string; message: string; param: string | null } } };
}

describe('bad input gets a clear OpenAI-style error and nothing is lost', () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;
  let dead: number;

  before(async () => {
    fake = await startFakeOpenAI();
    dead = await deadPort();
    gw = await startGateway({
      server: { max_body_mb: 0.01 },
      providers: {
        acme: fakeProvider(fake.url, { 'gpt-fake': { input: 1, output: 1 } }),
        gone: fakeProvider(`http://127.0.0.1:${dead}/v1`, { 'gone-model': { input: 1, output: 1 } }),
      },
    });
  });
  after(async () => {
    await gw.close();
    await fake.close();
  });

  test('malformed JSON is a 400 invalid_request_error', async () => {
    const r = await post(gw, '/v1/chat/completions', '{"model": "gpt-fake", "messages": [');
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'invalid_request_error');
    assert.match(r.json.error.message, /not valid JSON/);
    assert.ok(r.headers.get('x-inferoute-request-id'));
  });

  test('wrong types name the field', async () => {
    const cases: [object, string][] = [
      [{ messages: [{ role: 'user', content: 'x' }] }, 'model'],
      [{ model: 42, messages: [] }, 'model'],
      [{ model: 'gpt-fake', messages: 'hello' }, 'messages'],
      [{ model: 'gpt-fake', messages: [] }, 'messages'],
      [{ model: 'gpt-fake', messages: ['hi'] }, 'messages[0]'],
      [{ model: 'gpt-fake', messages: [{ role: 'user', content: 'x' }], stream: 'yes' }, 'stream'],
    ];
    for (const [body, param] of cases) {
      const r = await post(gw, '/v1/chat/completions', JSON.stringify(body));
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.json.error.code, 'invalid_request_error');
      assert.equal(r.json.error.param, param);
    }
    const e = await post(gw, '/v1/embeddings', JSON.stringify({ model: 'gpt-fake', input: 5 }));
    assert.equal(e.json.error.param, 'input');
  });

  test('an unknown model is a 404 model_not_found through the SDK', async () => {
    const err = await gw.client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    assert.ok(err instanceof OpenAI.NotFoundError);
    assert.equal(err.code, 'model_not_found');
    assert.equal(err.headers.get('x-inferoute-provider'), null, 'no provider was tried');
  });

  test('missing, malformed, unknown and revoked keys are 401 invalid_api_key', async () => {
    const noKey = await fetch(`${gw.url}/v1/models`);
    assert.equal(noKey.status, 401);
    assert.equal(((await noKey.json()) as { error: { code: string } }).error.code, 'invalid_api_key');
    for (const apiKey of ['not-a-key', 'sk-th-' + 'x'.repeat(40)]) {
      const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey, maxRetries: 0 });
      const err = await client.models.list().catch((e) => e);
      assert.ok(err instanceof OpenAI.AuthenticationError, apiKey);
      assert.equal(err.code, 'invalid_api_key');
    }
    const { id, key } = gw.mintKey({ name: 'short-lived' });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    await client.models.list();
    gw.daemon.db.prepare('UPDATE keys SET revoked_at = ? WHERE id = ?').run(Date.now(), id);
    gw.daemon.gateway.keys.reload();
    const err = await client.models.list().catch((e) => e);
    assert.ok(err instanceof OpenAI.AuthenticationError);
    assert.match(err.message, /revoked/);
  });

  test('a body over the limit is a 413', async () => {
    const big = JSON.stringify({ model: 'gpt-fake', messages: [{ role: 'user', content: 'x'.repeat(20_000) }] });
    const r = await post(gw, '/v1/chat/completions', big);
    assert.equal(r.status, 413);
    assert.equal(r.json.error.code, 'request_too_large');
    const chunked = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    assert.equal(chunked.status, 413, 'also without a content-length');
  });

  test('a provider that refuses the connection is a 502 upstream_unavailable naming it', async () => {
    const err = await gw.client.chat.completions.create({ model: 'gone-model', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 502);
    assert.equal(err.code, 'upstream_unavailable');
    assert.match(err.message, /gone\/gone-model \(connection refused/);
    const attempts = (err.error as { attempts: { provider: string; error: string }[] }).attempts;
    assert.deepEqual(attempts.map((a) => [a.provider, a.error]), [['gone', 'connection refused']]);
    assert.equal(err.headers.get('x-inferoute-provider'), 'gone');
  });

  test('a request whose Host is not a loopback name is refused (DNS rebinding)', async () => {
    const { request } = await import('undici');
    const res = await request(`${gw.url}/v1/models`, { headers: { host: 'evil.example.com', authorization: `Bearer ${gw.key}` } });
    assert.equal(res.statusCode, 403);
    assert.equal(((await res.body.json()) as { error: { code: string } }).error.code, 'forbidden_host');
    const ok = await request(`${gw.url}/v1/models`, { headers: { host: 'localhost:8420', authorization: `Bearer ${gw.key}` } });
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
  });

  test('after all of that the daemon still serves, and earlier usage records are intact', async () => {
    const before = await gw.usage();
    const res = await gw.client.chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'still there?' }] });
    assert.equal(res.model, 'acme/gpt-fake');
    const records = await gw.usage();
    assert.equal(records.length, before.length + 1);
    assert.deepEqual(records.slice(0, before.length), before);
    // routing-level failures are recorded: the unknown model and the dead provider
    assert.ok(before.some((r) => r.errorCode === 'model_not_found'));
    assert.ok(before.some((r) => r.errorCode === 'upstream_unavailable' && r.provider === 'gone'));
    // input rejected before routing is not a usage record
    assert.ok(!before.some((r) => r.status === 400 || r.status === 413));
  });
});
