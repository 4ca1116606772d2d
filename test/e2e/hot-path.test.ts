/**
 * The proxy POST routes are served from node:http in front of Hono (server/hot.ts) when
 * nothing about a request needs the middleware chain. A request from a configured
 * browser Origin always takes the Hono chain (it gets CORS headers there), so the same
 * request sent with and without that Origin shows both paths: each must answer with the
 * same status, body and headers (CORS and per-request values aside) and leave the same
 * usage record.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.js';
import { startFakeGemini, type FakeGemini } from '../fakes/gemini.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

const ORIGIN = 'http://localhost:3000';
/** headers whose values differ per request, or that only the CORS answer carries */
const PER_REQUEST = new Set(['date', 'x-inferoute-latency-ms', 'x-request-id', 'x-inferoute-request-id', 'request-id']);
const CORS = new Set(['access-control-allow-origin', 'access-control-expose-headers', 'vary']);

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Ids and clocks made per request, replaced so two answers to one request compare equal. */
function normalize(text: string): string {
  return text
    .replace(/\b(req|msg|resp|chatcmpl|cmpl)([_-])[A-Za-z0-9_-]+/g, '$1$2ID')
    .replace(/"responseId":"[^"]*"/g, '"responseId":"ID"')
    .replace(/"(created|created_at)":\d+/g, '"$1":0');
}

describe('the hot path answers as the Hono routes do', () => {
  let openai: FakeOpenAI;
  let claude: FakeAnthropic;
  let gemini: FakeGemini;
  let gw: TestGateway;

  before(async () => {
    openai = await startFakeOpenAI();
    claude = await startFakeAnthropic();
    gemini = await startFakeGemini();
    gw = await startGateway({
      server: { cors_origins: [ORIGIN], max_body_mb: 1 },
      providers: {
        acme: fakeProvider(openai.url, { 'gpt-fake': { input: 1, output: 2 } }),
        claude: { type: 'anthropic', base_url: claude.url, api_key: 'sk-ant-upstream-0123456789', models: { 'claude-haiku-4-5': { input: 1, output: 5 } } },
        google: { type: 'gemini', base_url: gemini.url, api_key: 'AIza-upstream-0123456789', models: { 'gemini-2.5-flash': { input: 0.3, output: 2.5 }, 'text-embedding-004': null } },
      },
    });
  });
  after(async () => {
    await gw.close();
    await openai.close();
    await claude.close();
    await gemini.close();
  });

  /** The key as the protocol's clients send it: Gemini's header when the case names it, else OpenAI's. */
  const withKey = (extra: Record<string, string>) =>
    'x-goog-api-key' in extra ? { ...extra, 'x-goog-api-key': extra['x-goog-api-key'] || gw.key } : { authorization: `Bearer ${gw.key}`, ...extra };

  async function send(path: string, body: string, origin: boolean, extra: Record<string, string> = {}): Promise<Answer> {
    const res = await request(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(origin ? { origin: ORIGIN } : {}), ...withKey(extra) },
      body,
    });
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (!CORS.has(k)) headers[k] = PER_REQUEST.has(k) ? '(set)' : String(v);
    return { status: res.statusCode, headers, body: normalize(await res.body.text()) };
  }

  const chat = (extra: object = {}) => JSON.stringify({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }], ...extra });
  const messages = (model: string, extra: object = {}) =>
    JSON.stringify({ model, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], ...extra });
  const gem = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
  const cases: [string, string, string, Record<string, string>?][] = [
    ['chat', '/v1/chat/completions', chat()],
    ['chat, streamed', '/v1/chat/completions', chat({ stream: true, stream_options: { include_usage: true } })],
    ['chat, malformed JSON', '/v1/chat/completions', '{"model": "gpt-fake", '],
    ['chat, unknown model', '/v1/chat/completions', chat({ model: 'no-such-model' })],
    ['chat, wrong type', '/v1/chat/completions', chat({ messages: 'hi' })],
    ['chat, body over max_body_mb', '/v1/chat/completions', chat({ pad: 'x'.repeat(1_100_000) })],
    ['embeddings', '/v1/embeddings', JSON.stringify({ model: 'gpt-fake', input: ['a', 'b'] })],
    ['completions', '/v1/completions', JSON.stringify({ model: 'gpt-fake', prompt: 'Say hi' })],
    ['messages to Anthropic', '/v1/messages', messages('claude-haiku-4-5'), { 'anthropic-version': '2023-06-01' }],
    ['messages to Anthropic, streamed', '/v1/messages', messages('claude-haiku-4-5', { stream: true }), { 'anthropic-version': '2023-06-01' }],
    ['messages translated to chat', '/v1/messages', messages('gpt-fake')],
    ['messages, unknown model (Anthropic envelope)', '/v1/messages', messages('no-such-model')],
    ['messages, malformed JSON (Anthropic envelope)', '/v1/messages', '{'],
    ['responses', '/v1/responses', JSON.stringify({ model: 'gpt-fake', input: 'hi', store: false })],
    ['responses, streamed', '/v1/responses', JSON.stringify({ model: 'gpt-fake', input: 'hi', store: false, stream: true })],
    ['responses, unknown model', '/v1/responses', JSON.stringify({ model: 'no-such-model', input: 'hi' })],
    ['gemini generateContent to Gemini', '/v1beta/models/gemini-2.5-flash:generateContent', gem, { 'x-goog-api-key': '' }],
    ['gemini streamGenerateContent, SSE', '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', gem, { 'x-goog-api-key': '' }],
    ['gemini streamGenerateContent, JSON array', '/v1beta/models/gemini-2.5-flash:streamGenerateContent', gem, { 'x-goog-api-key': '' }],
    ['gemini generateContent translated to chat, under /v1', '/v1/models/gpt-fake:generateContent', gem, { 'x-goog-api-key': '' }],
    ['gemini streamed translated to chat', '/v1beta/models/gpt-fake:streamGenerateContent?alt=sse', gem, { 'x-goog-api-key': '' }],
    ['gemini embedContent', '/v1beta/models/text-embedding-004:embedContent', JSON.stringify({ content: { parts: [{ text: 'hi' }] } }), { 'x-goog-api-key': '' }],
    ['gemini countTokens', '/v1beta/models/gemini-2.5-flash:countTokens', gem, { 'x-goog-api-key': '' }],
    ['gemini, unknown model (Gemini envelope)', '/v1beta/models/no-such-model:generateContent', gem, { 'x-goog-api-key': '' }],
    ['gemini, unknown method', '/v1beta/models/gemini-2.5-flash:fly', gem, { 'x-goog-api-key': '' }],
    ['gemini, malformed JSON (Gemini envelope)', '/v1beta/models/gemini-2.5-flash:generateContent', '{"contents": [', { 'x-goog-api-key': '' }],
  ];

  const refusedEarly = new Set(['chat, malformed JSON', 'chat, wrong type', 'chat, body over max_body_mb', 'messages, malformed JSON (Anthropic envelope)', 'gemini countTokens', 'gemini, unknown method']);
  for (const [name, path, body, extra] of cases) {
    test(name, async () => {
      const before = (await gw.usage()).length;
      const hot = await send(path, body, false, extra);
      const hono = await send(path, body, true, extra);
      assert.deepEqual(hot, hono);
      const records = (await gw.usage()).slice(before);
      // Refused before routing (a body that is not JSON or not valid): no record on either path.
      assert.equal(records.length, refusedEarly.has(name) ? 0 : 2, 'one usage record per request, on either path');
      if (records.length === 0) return;
      const comparable = (r: (typeof records)[number]) => ({ ...r, requestId: '', ts: 0, latencyMs: 0, ttfbMs: r.ttfbMs === null ? null : 0, attempts: r.attempts.map((a) => ({ ...a, ms: 0 })) });
      assert.deepEqual(comparable(records[0]!), comparable(records[1]!));
    });
  }

  test('the hot path answers for itself: a query string, an unknown key or a foreign Host still get the Hono answers', async () => {
    const withQuery = await request(`${gw.url}/v1/chat/completions?x=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
      body: chat(),
    });
    assert.equal(withQuery.statusCode, 200);
    await withQuery.body.dump();
    const badKey = await send('/v1/chat/completions', chat(), false, { authorization: 'Bearer th-not-a-key' });
    assert.equal(badKey.status, 401);
    const badKeyMessages = await send('/v1/messages', messages('claude-haiku-4-5'), false, { authorization: 'Bearer th-not-a-key' });
    assert.equal(badKeyMessages.status, 401);
    assert.equal((JSON.parse(badKeyMessages.body) as { type: string }).type, 'error', "Anthropic's envelope");
    const foreign = await send('/v1/chat/completions', chat(), false, { host: 'evil.example' });
    assert.equal(foreign.status, 403);
    const gemQueryKey = await request(`${gw.url}/v1beta/models/gemini-2.5-flash:generateContent?key=${gw.key}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: gem });
    assert.equal(gemQueryKey.statusCode, 200, 'a Gemini ?key= is taken (by keyAuth)');
    await gemQueryKey.body.dump();
    const gemEncoded = await send('/v1beta/models/gemini%2D2.5-flash:generateContent', gem, false, { 'x-goog-api-key': '' });
    assert.equal(gemEncoded.status, 200, 'a percent-encoded model name is decoded (by Hono)');
  });
});
