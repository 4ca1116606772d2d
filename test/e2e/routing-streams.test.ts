/**
 * Streams that break after their first byte, the same-provider retry on Retry-After,
 * and the one deadline per request: real daemon, official SDK, loopback fakes.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { chatChunks, sseFrame, startSse } from '../fakes/openai-wire.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { fakeProvider, startCheapAndDear, startGateway, type ProviderPair, type TestGateway } from '../helpers/gateway.js';

const msg = [{ role: 'user' as const, content: 'hi' }];

/** Sends SSE headers at once and the first event only after `delayMs`. */
async function lateFirstEvent(delayMs: number): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      startSse(res);
      const t = setTimeout(() => {
        for (const ev of chatChunks('c1', 'chat', ['late'], null)) res.write(sseFrame(ev));
        res.end(sseFrame('[DONE]'));
      }, delayMs);
      res.on('close', () => clearTimeout(t));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server };
}

async function collect(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<{ text: string; error: unknown }> {
  let text = '';
  try {
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    return { text, error: undefined };
  } catch (error) {
    return { text, error };
  }
}

describe('streams after the first byte, and retries', () => {
  let a: FakeOpenAI;
  let b: FakeOpenAI;
  let late: { url: string; server: Server };
  let gw: TestGateway;

  before(async () => {
    [a, b, late] = await Promise.all([startFakeOpenAI(), startFakeOpenAI(), lateFirstEvent(600_000)]);
    gw = await startGateway({
      routing: { strategy: 'cost', circuit: { failures: 1000 } },
      providers: {
        a: { ...fakeProvider(a.url, { chat: { input: 0.1, output: 0.1 } }), timeouts: { first_byte_ms: 2000, idle_ms: 200 } },
        b: fakeProvider(b.url, { chat: { input: 1, output: 1 } }),
        lazy: { ...fakeProvider(late.url, { chat: null }), timeouts: { first_byte_ms: 200, idle_ms: 5000 } },
      },
    });
  });
  after(async () => {
    await gw.close();
    await Promise.all([a.close(), b.close(), new Promise((r) => late.server.close(r))]);
  });
  const reset = () => a.setReply(() => ({}));
  const lastRecord = async () => (await gw.usage()).at(-1)!;

  for (const fault of ['reset-mid-stream', 'hang-mid-stream'] as const) {
    test(`a stream that breaks after its first byte (${fault}) ends with an error event the SDK raises, and is recorded`, async () => {
      a.setReply(() => ({ fault, pieces: ['one ', 'two ', 'three ', 'four'], chunkDelayMs: 20 }));
      try {
        const bBefore = b.requests.length;
        const stream = await gw.client.chat.completions.create(
          { model: 'a/chat', messages: msg, stream: true },
          { headers: { 'X-Inferoute-Fallback': 'b/chat' } },
        );
        const { text, error } = await collect(stream);
        assert.equal(text, 'one ', 'what arrived before the break reached the client');
        assert.ok(error instanceof OpenAI.APIError, `expected an APIError, got ${String(error)}`);
        assert.match(error.message, /stream broke off: (connection reset|timeout waiting for response body)/);
        assert.equal(b.requests.length, bBefore, 'no failover once bytes reached the client');
        const rec = await lastRecord();
        assert.equal(rec.status, 502);
        assert.equal(rec.errorCode, 'upstream_error');
        assert.equal(rec.provider, 'a');
        assert.ok(rec.completionTokens > 0);
      } finally {
        reset();
      }
    });
  }

  test('a stream whose first event is slower than first_byte_ms fails over, even though headers came at once', async () => {
    const stream = await gw.client.chat.completions.create(
      { model: 'lazy/chat', messages: msg, stream: true },
      { headers: { 'X-Inferoute-Fallback': 'b/chat' } },
    );
    const { text, error } = await collect(stream);
    assert.equal(error, undefined);
    assert.equal(text, 'Hello from the fake');
    const rec = await lastRecord();
    assert.equal(rec.provider, 'b');
    // the first event is ten minutes away: the test ends only because first_byte_ms gave up on it
    assert.equal(rec.attempts[0]!.error, 'timeout waiting for the first byte');
  });

  test('retries the last candidate once after a short Retry-After', async () => {
    let n = 0;
    a.setReply(() => (++n === 1 ? { status: 429, headers: { 'retry-after-ms': '150' } } : {}));
    try {
      const started = performance.now();
      const { data, response } = await gw.client.chat.completions.create({ model: 'a/chat', messages: msg }).withResponse();
      assert.equal(data.choices[0]!.message.content, 'Hello from the fake');
      // a lower bound only (a slow machine waits longer, never shorter); timers round to the millisecond
      assert.ok(performance.now() - started >= 149, 'waited out the Retry-After');
      assert.equal(response.headers.get('x-inferoute-provider'), 'a');
      assert.equal(response.headers.get('x-inferoute-attempts'), '2');
      assert.equal(n, 2);
    } finally {
      reset();
    }
  });

  // waiting out this Retry-After would take 30 s: the test ends within its timeout only if the cap held
  test('does not wait out a Retry-After beyond the cap: 502 at once, naming the 429', { timeout: 20_000 }, async () => {
    a.setReply(() => ({ status: 429, headers: { 'retry-after': '30' } }));
    try {
      const err = await gw.client.chat.completions.create({ model: 'a/chat', messages: msg }).catch((e: unknown) => e);
      assert.ok(err instanceof OpenAI.APIError);
      assert.equal(err.status, 502);
      assert.match(err.message, /a\/chat \(HTTP 429/);
      assert.equal(err.headers?.get('x-inferoute-attempts'), '1');
    } finally {
      reset();
    }
  });
});

describe('one deadline per request', () => {
  let a: FakeOpenAI;
  let b: FakeOpenAI;
  let gw: TestGateway;

  let pair: ProviderPair;

  before(async () => {
    pair = await startCheapAndDear({ strategy: 'cost', total_ms: 400 });
    ({ a, b, gw } = pair);
  });
  after(() => pair.close());

  test('no failover is started once the request’s deadline has passed', async () => {
    a.setReply(() => ({ delayMs: 700 }));
    const err = await gw.client.chat.completions.create({ model: 'chat', messages: msg }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.APIError);
    assert.equal(err.status, 502);
    assert.match(err.message, /deadline passed/);
    assert.equal(b.requests.length, 0);
    a.setReply(() => ({}));
  });

  test('a stream that outlives the deadline is ended with an error event', async () => {
    a.setReply(() => ({ pieces: Array.from({ length: 20 }, (_, i) => `w${i} `), chunkDelayMs: 50 }));
    const stream = await gw.client.chat.completions.create({ model: 'chat', messages: msg, stream: true });
    const { text, error } = await collect(stream);
    assert.ok(text.startsWith('w0 '));
    assert.ok(error instanceof OpenAI.APIError);
    assert.match(error.message, /request deadline exceeded/);
    a.setReply(() => ({}));
  });
});
