/**
 * Failover end to end: the real daemon, the official SDK, and fault-injecting fake
 * providers on loopback. `a` is the cheapest provider of `chat` (tried first by the
 * default cost strategy), `b` the backup; timeouts are small so faults show fast.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { ProviderEvent } from '../../src/metrics/bus.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

const msg = [{ role: 'user' as const, content: 'hi' }];

/** A port nothing listens on. */
async function deadUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return `http://127.0.0.1:${port}/v1`;
}

describe('failover', () => {
  let a: FakeOpenAI;
  let b: FakeOpenAI;
  let gw: TestGateway;
  const events: ProviderEvent[] = [];

  before(async () => {
    [a, b] = await Promise.all([startFakeOpenAI(), startFakeOpenAI()]);
    gw = await startGateway({
      // a Retry-After up to an hour would be honoured on the last candidate, so waiting one out by mistake hangs the test
      routing: { strategy: 'cost', circuit: { failures: 1000 }, retry_after_cap_ms: 3_600_000 },
      providers: {
        a: { ...fakeProvider(a.url, { chat: { input: 0.1, output: 0.1 } }), timeouts: { first_byte_ms: 250, idle_ms: 250 } },
        b: fakeProvider(b.url, { chat: { input: 1, output: 1 }, other: { input: 2, output: 2 } }),
        dead: fakeProvider(await deadUrl(), { chat: { input: 0.01, output: 0.01 } }),
      },
      routes: { safe: { targets: ['a/chat'], fallback: ['b/other'] } },
    });
    gw.daemon.gateway.metrics.onProvider((ev) => events.push(ev));
  });
  after(async () => {
    await gw.close();
    await Promise.all([a.close(), b.close()]);
  });

  const reset = () => {
    a.setReply(() => ({}));
    b.setReply(() => ({}));
  };
  const count = () => ({ a: a.requests.length, b: b.requests.length });
  const recordOf = async (requestId: string | null) => (await gw.usage()).find((r) => r.requestId === requestId)!;

  /** Sends `chat` with `a` misbehaving as told; expects `b` to serve it. */
  async function expectFailover(fault: Parameters<FakeOpenAI['setReply']>[0], stream = false) {
    a.setReply(fault);
    try {
      const before = count();
      const req = gw.client.chat.completions.create({ model: 'a/chat', messages: msg, stream }, { headers: { 'X-Inferoute-Fallback': 'b/chat' } });
      const { data, response } = await req.withResponse();
      let text = '';
      if (stream) for await (const c of data as AsyncIterable<OpenAI.ChatCompletionChunk>) text += c.choices[0]?.delta.content ?? '';
      else text = (data as OpenAI.ChatCompletion).choices[0]!.message.content ?? '';
      assert.equal(text, 'Hello from the fake');
      assert.equal(response.headers.get('x-inferoute-provider'), 'b');
      assert.equal(response.headers.get('x-inferoute-attempts'), '2');
      assert.equal(count().a, before.a + 1);
      assert.equal(count().b, before.b + 1);
      const rec = await recordOf(response.headers.get('x-inferoute-request-id'));
      assert.equal(rec.provider, 'b');
      assert.equal(rec.attempts.length, 2);
      return rec.attempts[0]!;
    } finally {
      reset();
    }
  }

  test('falls over to the next provider on connection refused', async () => {
    const { data, response } = await gw.client.chat.completions
      .create({ model: 'dead/chat', messages: msg }, { headers: { 'X-Inferoute-Fallback': 'b/chat' } })
      .withResponse();
    assert.equal(data.model, 'b/chat');
    assert.equal(response.headers.get('x-inferoute-attempts'), '2');
    const rec = await recordOf(response.headers.get('x-inferoute-request-id'));
    assert.deepEqual(rec.attempts.map((x) => [x.provider, x.error]), [['dead', 'connection refused'], ['b', undefined]]);
  });

  test('falls over on a connection reset before the response headers', async () => {
    const first = await expectFailover(() => ({ fault: 'reset-before-headers' }));
    assert.equal(first.error, 'connection reset');
  });

  test('falls over on 500 and on 503', async () => {
    assert.equal((await expectFailover(() => ({ status: 500 }))).status, 500);
    assert.equal((await expectFailover(() => ({ status: 503 }))).status, 503);
  });

  test('falls over at once on 429 with Retry-After while another candidate remains', { timeout: 60_000 }, async () => {
    // honoured, this Retry-After would hold the request for five minutes: the test ends only if it fell over at once
    const first = await expectFailover(() => ({ status: 429, headers: { 'retry-after': '300' } }));
    assert.equal(first.status, 429);
  });

  test('falls over on a 401 from the provider and reports the provider key as rejected', async () => {
    const seen = events.length;
    assert.equal((await expectFailover(() => ({ status: 401 }))).status, 401);
    assert.ok(events.slice(seen).some((e) => e.kind === 'auth_failed' && e.provider === 'a'));
  });

  test('falls over when the first byte is slower than the timeout', async () => {
    const first = await expectFailover(() => ({ delayMs: 600 }));
    assert.equal(first.error, 'timeout waiting for the first byte');
    assert.ok(first.ms >= 240, `timed out after ${first.ms} ms`);
  });

  test('falls over on malformed JSON from the provider', async () => {
    assert.equal((await expectFailover(() => ({ fault: 'malformed-json' }))).error, 'malformed JSON from provider');
  });

  test('a stream falls over before its first byte (500, reset)', async () => {
    await expectFailover(() => ({ status: 500 }), true);
    await expectFailover(() => ({ fault: 'reset-before-headers' }), true);
  });

  test('passes 400, 404, 413 and 422 from the provider through unchanged, without failing over', async () => {
    for (const status of [400, 404, 413, 422]) {
      a.setReply(() => ({ status, errorBody: { error: { message: `nope ${status}`, type: 'invalid_request_error', param: null, code: 'x' } } }));
      const before = count();
      const err = await gw.client.chat.completions
        .create({ model: 'a/chat', messages: msg }, { headers: { 'X-Inferoute-Fallback': 'b/chat' } })
        .catch((e: unknown) => e);
      assert.ok(err instanceof OpenAI.APIError);
      assert.equal(err.status, status);
      assert.match(err.message, new RegExp(`nope ${status}`));
      assert.equal(err.headers?.get('x-inferoute-attempts'), '1');
      assert.deepEqual(count(), { a: before.a + 1, b: before.b });
    }
    reset();
  });

  test('when every candidate fails: 502 upstream_unavailable listing each attempt', async () => {
    a.setReply(() => ({ status: 500 }));
    b.setReply(() => ({ status: 503 }));
    try {
      const err = await gw.client.chat.completions.create({ model: 'chat', messages: msg }).catch((e: unknown) => e);
      assert.ok(err instanceof OpenAI.APIError);
      assert.equal(err.status, 502);
      assert.equal(err.code, 'upstream_unavailable');
      const attempts = (err.error as { attempts: { provider: string; model: string; status?: number; error?: string; ms: number }[] }).attempts;
      assert.deepEqual(attempts.map((x) => [x.provider, x.model, x.status ?? x.error]), [['dead', 'chat', 'connection refused'], ['a', 'chat', 500], ['b', 'chat', 503]]);
      assert.ok(attempts.every((x) => typeof x.ms === 'number'));
      assert.match(err.message, /a\/chat \(HTTP 500, \d+ ms\)/);
      assert.equal(err.headers?.get('x-inferoute-attempts'), '3');
      const rec = await recordOf(err.headers?.get('x-inferoute-request-id') ?? null);
      assert.equal(rec.status, 502);
      assert.equal(rec.strategy, 'cost');
      assert.equal(rec.attempts.length, 3);
    } finally {
      reset();
    }
  });

  test('a route’s fallback serves when its targets fail, and the response names the fallback model', async () => {
    a.setReply(() => ({ status: 503 }));
    try {
      const { data, response } = await gw.client.chat.completions.create({ model: 'safe', messages: msg }).withResponse();
      assert.equal(data.model, 'b/other');
      assert.equal(b.requests.at(-1)!.body.model, 'other');
      assert.equal(response.headers.get('x-inferoute-provider'), 'b');
      assert.equal(response.headers.get('x-inferoute-attempts'), '2');
    } finally {
      reset();
    }
  });

  test('X-Inferoute-Attempts is 0 on a model nobody serves or a key over its limit, and 1 on a plain success', async () => {
    const err = await gw.client.chat.completions.create({ model: 'nope', messages: msg }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.NotFoundError);
    assert.equal(err.headers?.get('x-inferoute-attempts'), '0');
    const { response } = await gw.client.chat.completions.create({ model: 'a/chat', messages: msg }).withResponse();
    assert.equal(response.headers.get('x-inferoute-attempts'), '1');
    const { key } = gw.mintKey({ rpm: 1 });
    const limited = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    await limited.chat.completions.create({ model: 'a/chat', messages: msg });
    const refused = await limited.chat.completions.create({ model: 'a/chat', messages: msg }).catch((e: unknown) => e);
    assert.ok(refused instanceof OpenAI.RateLimitError);
    assert.equal(refused.headers?.get('x-inferoute-attempts'), '0');
    assert.ok(refused.headers?.get('retry-after'), 'the key limit’s Retry-After survives');
  });
});
