/**
 * Gemini's API inbound: every error in Gemini's {"error": {code, message, status}} with
 * the google.rpc status names, whoever produced it (key auth, the body, routing, limits,
 * a provider), and a usage record for each request that was refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiError, GoogleGenAI } from '@google/genai';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

describe("Gemini API inbound: errors in Gemini's envelope", () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;

  before(async () => {
    fake = await startFakeOpenAI();
    gw = await startGateway({ providers: { oa: fakeProvider(fake.url, { 'gpt-4o-mini': null, other: null }) } });
  });
  after(async () => {
    await gw.close();
    await fake.close();
  });

  const post = (path: string, body: unknown, headers: Record<string, string>) =>
    fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const hello = { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] };

  async function expectError(res: Response, code: number, status: string): Promise<string> {
    assert.equal(res.status, code);
    const body = (await res.json()) as { error: { code: number; message: string; status: string } };
    assert.equal(body.error.code, code);
    assert.equal(body.error.status, status);
    assert.ok(body.error.message.length > 0);
    return body.error.message;
  }

  test('no key, a wrong key: 401 UNAUTHENTICATED; the SDK raises ApiError', async () => {
    await expectError(await post('/v1beta/models/gpt-4o-mini:generateContent', hello, {}), 401, 'UNAUTHENTICATED');
    await expectError(await post('/v1beta/models/gpt-4o-mini:generateContent?key=sk-th-wrong', hello, {}), 401, 'UNAUTHENTICATED');
    const ai = new GoogleGenAI({ apiKey: 'sk-th-not-a-real-key-000000000000', httpOptions: { baseUrl: gw.url } });
    await assert.rejects(ai.models.generateContent({ model: 'gpt-4o-mini', contents: 'hi' }), (e: unknown) => e instanceof ApiError && e.status === 401);
  });

  test('bad requests are 400 INVALID_ARGUMENT with exactly one usage record', async () => {
    const before = (await gw.usage()).length;
    await expectError(await post('/v1beta/models/gpt-4o-mini:generateContent', { contents: [] }, { 'x-goog-api-key': gw.key }), 400, 'INVALID_ARGUMENT');
    const bad = { contents: [{ role: 'user', parts: [{ executableCode: { code: 'x' } }] }] };
    await expectError(await post('/v1beta/models/gpt-4o-mini:generateContent', bad, { 'x-goog-api-key': gw.key }), 400, 'INVALID_ARGUMENT');
    // a body the pipeline refuses (an OpenAI provider's 400) keeps its status and message
    fake.setReply(() => ({ status: 400, errorBody: { error: { message: 'Invalid value for temperature', type: 'invalid_request_error', code: null, param: 'temperature' } } }));
    const msg = await expectError(await post('/v1beta/models/gpt-4o-mini:generateContent', hello, { 'x-goog-api-key': gw.key }), 400, 'INVALID_ARGUMENT');
    assert.match(msg, /temperature/);
    fake.setReply(() => ({}));
    const records = (await gw.usage()).slice(before);
    assert.equal(records.length, 3, 'one usage record for each request');
    assert.ok(records.every((r) => r.endpoint === 'generate_content' && r.status === 400));
  });

  test('unknown model 404 NOT_FOUND, a model the key may not use 403 PERMISSION_DENIED, over rpm 429 RESOURCE_EXHAUSTED', async () => {
    await expectError(await post('/v1beta/models/no-such-model:generateContent', hello, { 'x-goog-api-key': gw.key }), 404, 'NOT_FOUND');
    const narrow = gw.mintKey({ models: ['gpt-4o-mini'] });
    await expectError(await post('/v1beta/models/other:generateContent', hello, { 'x-goog-api-key': narrow.key }), 403, 'PERMISSION_DENIED');
    const slow = gw.mintKey({ rpm: 1 });
    assert.equal((await post('/v1beta/models/gpt-4o-mini:generateContent', hello, { 'x-goog-api-key': slow.key })).status, 200);
    await expectError(await post('/v1beta/models/gpt-4o-mini:generateContent', hello, { 'x-goog-api-key': slow.key }), 429, 'RESOURCE_EXHAUSTED');
  });

  test('every provider down: 502 UNAVAILABLE; an unknown method 404 NOT_FOUND', async () => {
    fake.setReply(() => ({ status: 503 }));
    await expectError(await post('/v1beta/models/gpt-4o-mini:generateContent', hello, { 'x-goog-api-key': gw.key }), 502, 'UNAVAILABLE');
    fake.setReply(() => ({}));
    await expectError(await post('/v1beta/models/gpt-4o-mini:predictLongRunning', hello, { 'x-goog-api-key': gw.key }), 404, 'NOT_FOUND');
  });
});
