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

const HELLO_SSE = readFileSync(new URL('../fixtures/openai/chat-stream-hello.sse', import.meta.url), 'utf8');

type Answer = { contentType: string; body: string };
const ANSWERS: Record<string, Answer> = {
  json: {
    contentType: 'application/json',
    body: '{"id":"chatcmpl-123","object":"chat.completion","created":1677652288,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":1,"total_tokens":10}}',
  },
  html: { contentType: 'text/html', body: '<html><body><h1>502 Bad Gateway</h1></body></html>' },
  empty: { contentType: 'text/event-stream', body: '' },
  ok: { contentType: 'text/event-stream', body: HELLO_SSE },
};

/** One loopback provider per kind of answer, under /<kind>/v1/chat/completions. */
async function startOddProvider(): Promise<{ url: string; server: Server; hits: Map<string, number> }> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const kind = req.url!.split('/')[1]!;
      hits.set(kind, (hits.get(kind) ?? 0) + 1);
      const answer = ANSWERS[kind]!;
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
    gw = await startGateway({ routing: { strategy: 'cost', circuit: { failures: 1000 } }, providers } as never);
  });
  after(async () => {
    await gw.close();
    await new Promise((r) => odd.server.close(r));
  });

  for (const kind of ['json', 'html', 'empty'] as const) {
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
      assert.match(rec.attempts[0]!.error ?? '', kind === 'empty' ? /before any event/ : /not text\/event-stream/);
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
});
