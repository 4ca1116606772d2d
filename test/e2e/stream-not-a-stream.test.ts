/**
 * A provider that answers `stream: true` with something that is not a stream (JSON, a
 * proxy's HTML page, or an event stream that ends before any event) has failed: nothing
 * reached the client yet, so the request fails over and the record says what happened.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
const HELLO_SSE = fixture('openai/chat-stream-hello.sse');
/** Anthropic's stream without its closing message_stop; Gemini's without the chunk that carries finishReason. */
const ANTHROPIC_CUT = fixture('anthropic/text.sse').replace(/event: message_stop\ndata: .*\n\n/, '');
const GEMINI_CUT = fixture('gemini/text.sse').split(/\r?\n\r?\n/).slice(0, 2).join('\r\n\r\n') + '\r\n\r\n';

type Answer = { contentType: string; body: string };
const CHAT_JSON: Answer = {
  contentType: 'application/json',
  body: '{"id":"chatcmpl-123","object":"chat.completion","created":1677652288,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10}}',
};
const ANSWERS: Record<string, Answer> = {
  json: CHAT_JSON,
  /** a 200 whose body is an error object (seen from proxies and from some OpenAI-compatible servers) */
  errorbody: { contentType: 'application/json', body: '{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}' },
  /** every event but the closing [DONE], then a clean end: the answer was cut short */
  truncated: { contentType: 'text/event-stream', body: HELLO_SSE.replace('data: [DONE]\n\n', '') },
  'anthropic-cut': { contentType: 'text/event-stream', body: ANTHROPIC_CUT },
  /** a proxy's page where the first event should be, then a clean end */
  garbage: { contentType: 'text/event-stream', body: 'data: <html><body>upstream connect error</body></html>\n\ndata: [DONE]\n\n' },
  'gemini-cut': { contentType: 'text/event-stream', body: GEMINI_CUT },
  html: { contentType: 'text/html', body: '<html><body><h1>502 Bad Gateway</h1></body></html>' },
  empty: { contentType: 'text/event-stream', body: '' },
  ok: { contentType: 'text/event-stream', body: HELLO_SSE },
};

/** One loopback provider per kind of answer, under /<kind>/v1/chat/completions. */
async function startOddProvider(): Promise<{ url: string; server: Server; hits: Map<string, number> }> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      const kind = req.url!.split('/')[1]!;
      hits.set(kind, (hits.get(kind) ?? 0) + 1);
      const streamed = (JSON.parse(body) as { stream?: boolean }).stream === true;
      const answer = kind === 'ok' && !streamed ? CHAT_JSON : ANSWERS[kind]!;
      res.writeHead(200, { 'content-type': answer.contentType });
      res.end(answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hits };
}

describe('a stream that is not a stream', () => {
  let odd: Awaited<ReturnType<typeof startOddProvider>>;
  let gw: TestGateway;

  before(async () => {
    odd = await startOddProvider();
    const providers: Record<string, unknown> = {};
    for (const kind of Object.keys(ANSWERS)) providers[kind] = fakeProvider(`${odd.url}/${kind}/v1`, { m: { input: 1, output: 1 } });
    const upstreamKey = 'sk-upstream-secret-0123456789';
    providers['anthropic-cut'] = { type: 'anthropic', base_url: `${odd.url}/anthropic-cut`, api_key: upstreamKey, models: { m: { input: 1, output: 1 } } };
    providers['gemini-cut'] = { type: 'gemini', base_url: `${odd.url}/gemini-cut`, api_key: upstreamKey, models: { m: { input: 1, output: 1 } } };
    gw = await startGateway({ routing: { strategy: 'cost', circuit: { failures: 1000 } }, providers } as never);
  });
  after(async () => {
    await gw.close();
    await new Promise((r) => odd.server.close(r));
  });

  /** The text a streamed answer gave before it ended, and the error the SDK raised, if any. */
  async function streamText(model: string): Promise<{ text: string; error: unknown }> {
    const stream = await gw.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    try {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      return { text, error: undefined };
    } catch (error) {
      return { text, error };
    }
  }

  for (const kind of ['json', 'html', 'empty', 'garbage'] as const) {
    test(`a ${kind} answer to a stream request fails over to the next provider and is recorded as that provider's failure`, async () => {
      const stream = await gw.client.chat.completions.create(
        { model: `${kind}/m`, messages: [{ role: 'user', content: 'hi' }], stream: true },
        { headers: { 'X-Inferoute-Fallback': 'ok/m' } },
      );
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      assert.equal(text, 'Hello', 'the fallback provider served the stream');
      const rec = (await gw.usage()).at(-1)!;
      assert.equal(rec.status, 200);
      assert.equal(rec.provider, 'ok');
      assert.equal(rec.attempts.length, 2);
      assert.equal(rec.attempts[0]!.provider, kind);
      const why = { empty: /before any event/, garbage: /unreadable stream event: "<html>/, json: /not text\/event-stream/, html: /not text\/event-stream/ }[kind];
      assert.match(rec.attempts[0]!.error ?? '', why);
    });
  }

  test('with no fallback, a JSON answer to a stream request is a 502 naming the provider, not an empty success', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'json/m', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    assert.equal(res.status, 502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'upstream_unavailable');
    assert.match(body.error.message, /json/);
    const rec = (await gw.usage()).at(-1)!;
    assert.equal(rec.status, 502);
    assert.equal(rec.completionTokens, 0);
  });

  test('a 200 whose body is an error object is a provider failure: it fails over and is not charged as a success', async () => {
    const answer = await gw.client.chat.completions.create(
      { model: 'errorbody/m', messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'X-Inferoute-Fallback': 'ok/m' } },
    );
    assert.equal(answer.choices[0]!.message.content, 'Hello');
    const rec = (await gw.usage()).at(-1)!;
    assert.equal(rec.provider, 'ok');
    assert.equal(rec.attempts[0]!.provider, 'errorbody');
    assert.match(rec.attempts[0]!.error ?? '', /error in a 200 answer: The server had an error/);
  });

  test('a stream that ends cleanly without [DONE] gives the client an error event, not an added [DONE], and is recorded as truncated', async () => {
    const { text, error } = await streamText('truncated/m');
    assert.equal(text, 'Hello', 'what the provider sent reached the client');
    assert.ok(error instanceof Error, 'the SDK raised the error event');
    assert.match(String((error as Error).message), /stream broke off: .*truncated/);
    const rec = (await gw.usage()).at(-1)!;
    assert.equal(rec.status, 502);
    assert.equal(rec.errorCode, 'upstream_truncated');
  });

  for (const [kind, expected] of [['anthropic-cut', 'Hello, wörld! 👋'], ['gemini-cut', 'Hello, wörld! 👋 How']] as const) {
    test(`a translated ${kind.split('-')[0]} stream that ends before its last event reaches the client as an error, recorded as truncated`, async () => {
      const { text, error } = await streamText(`${kind}/m`);
      assert.equal(text, expected);
      assert.match(String((error as Error | undefined)?.message), /truncated/);
      const rec = (await gw.usage()).at(-1)!;
      assert.equal(rec.provider, kind);
      assert.equal(rec.errorCode, 'upstream_truncated');
    });
  }

  test('a native Anthropic stream cut before message_stop ends with Anthropic\'s own error event, recorded as truncated', async () => {
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': gw.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'anthropic-cut/m', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /"text":", wörld! 👋"/, 'the provider\'s frames went through');
    assert.match(text, /event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"[^"]*truncated[^"]*"\}\}\n\n$/);
    assert.doesNotMatch(text, /\[DONE\]/);
    const rec = (await gw.usage()).at(-1)!;
    assert.equal(rec.errorCode, 'upstream_truncated');
  });
});

