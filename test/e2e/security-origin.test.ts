/**
 * Browsers send Origin; SDKs and CLIs do not. A page that stole or guessed a key must
 * not be able to spend it from a visitor's browser: a foreign Origin is refused even
 * with a valid key, and CORS answers only origins configured one by one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

const CHAT = JSON.stringify({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }] });

describe('Origin: browsers may call only from configured origins', () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;

  before(async () => {
    fake = await startFakeOpenAI();
    gw = await startGateway({
      server: { cors_origins: ['http://localhost:3000'] },
      providers: { acme: fakeProvider(fake.url, { 'gpt-fake': { input: 1, output: 2 } }) },
    });
  });
  after(async () => {
    await gw.close();
    await fake.close();
  });

  const post = (origin: string | undefined, body = CHAT, contentType = 'application/json') =>
    request(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': contentType, ...(origin === undefined ? {} : { origin }) },
      body,
    });

  test('a foreign Origin (or "null") with a valid key is refused with 403 and never reaches the provider', async () => {
    const before = fake.requests.length;
    for (const origin of ['https://evil.example', 'null', 'http://localhost:3000.evil.example', 'http://localhost:3001', '*']) {
      for (const contentType of ['application/json', 'text/plain']) {
        const res = await post(origin, CHAT, contentType);
        assert.equal(res.statusCode, 403, `${origin} ${contentType}`);
        assert.equal(res.headers['access-control-allow-origin'], undefined);
        assert.equal(((await res.body.json()) as { error: { code: string } }).error.code, 'forbidden_origin');
      }
    }
    const models = await request(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${gw.key}`, origin: 'null' } });
    assert.equal(models.statusCode, 403);
    await models.body.dump();
    assert.equal(fake.requests.length, before);
  });

  test('a preflight from a foreign origin gets no CORS grant', async () => {
    const res = await request(`${gw.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });
    assert.equal(res.statusCode, 403);
    assert.equal(res.headers['access-control-allow-origin'], undefined);
    await res.body.dump();
  });

  test('no Origin (SDKs, curl) is served as before', async () => {
    const res = await post(undefined);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['access-control-allow-origin'], undefined);
    await res.body.dump();
  });

  test('a configured origin gets CORS for itself only, never *, for JSON and for streams', async () => {
    const pre = await request(`${gw.url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    assert.equal(pre.statusCode, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'http://localhost:3000');
    assert.match(String(pre.headers['access-control-allow-headers']), /authorization/);
    await pre.body.dump();

    const res = await post('http://localhost:3000');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['access-control-allow-origin'], 'http://localhost:3000');
    await res.body.dump();

    const stream = await post('http://localhost:3000', JSON.stringify({ ...JSON.parse(CHAT), stream: true }));
    assert.equal(stream.statusCode, 200);
    assert.equal(stream.headers['access-control-allow-origin'], 'http://localhost:3000');
    assert.match(await stream.body.text(), /\[DONE\]/);
  });

  test('server.cors_origins refuses * and null at config load', async () => {
    for (const bad of ['*', 'null', 'localhost:3000', 'http://localhost:3000/app']) {
      await assert.rejects(startGateway({ server: { cors_origins: [bad] } }), /cors_origins/, bad);
    }
  });
});
