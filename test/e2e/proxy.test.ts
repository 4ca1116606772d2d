import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startFakeOpenAI, DEFAULT_USAGE, type FakeOpenAI } from '../fakes/openai.js';
import { eventually, fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

describe('OpenAI-compatible proxy', () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;

  before(async () => {
    fake = await startFakeOpenAI();
    gw = await startGateway({
      providers: { acme: fakeProvider(fake.url, { 'gpt-fake': { input: 1, output: 2 }, 'embed-fake': { input: 0.1, output: 0 } }) },
    });
  });
  after(async () => {
    await gw.close();
    await fake.close();
  });

  test('non-streaming chat returns the provider-prefixed model and the Inferoute headers', async () => {
    const { data, response } = await gw.client.chat.completions
      .create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    assert.equal(data.choices[0]!.message.content, 'Hello from the fake');
    assert.equal(data.model, 'acme/gpt-fake');
    assert.equal(response.headers.get('x-inferoute-provider'), 'acme');
    assert.match(response.headers.get('x-inferoute-request-id') ?? '', /^req_[0-9A-Za-z]{20}$/);
    assert.equal(response.headers.get('x-request-id'), response.headers.get('x-inferoute-request-id'));
    assert.ok(Number(response.headers.get('x-inferoute-latency-ms')) > 0);
  });

  test('a non-streamed answer with multi-byte text arrives whole: its content-length counts bytes, not characters', async () => {
    const text = 'Grüße aus Zürich 👋 — 你好';
    fake.setReply(() => ({ pieces: [text] }));
    try {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }] }),
      });
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.equal(res.status, 200);
      assert.equal(Number(res.headers.get('content-length')), bytes.length);
      const body = JSON.parse(bytes.toString('utf8')) as { model: string; choices: { message: { content: string } }[] };
      assert.equal(body.choices[0]!.message.content, text);
      assert.equal(body.model, 'acme/gpt-fake');
    } finally {
      fake.setReply(() => ({}));
    }
  });

  test('forwards the body unchanged except the model, with the provider key', async () => {
    await gw.client.chat.completions.create({
      model: 'acme/gpt-fake',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.3,
      // @ts-expect-error an unknown field must pass through to the provider
      vendor_extension: { keep: true },
    });
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, '/v1/chat/completions');
    assert.equal(sent.body.model, 'gpt-fake');
    assert.equal(sent.body.temperature, 0.3);
    assert.deepEqual(sent.body.vendor_extension, { keep: true });
    assert.equal(sent.headers.authorization, 'Bearer sk-upstream-secret-0123456789');
  });

  test('streams chunk by chunk, asks the provider for usage and keeps the usage chunk from a client that did not ask', async () => {
    const stream = await gw.client.chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''), 'Hello from the fake');
    assert.ok(chunks.every((c) => c.model === 'acme/gpt-fake'));
    assert.ok(chunks.every((c) => c.choices.length > 0), 'no usage-only chunk for a client that did not ask for one');
    assert.deepEqual(fake.requests.at(-1)!.body.stream_options, { include_usage: true });
  });

  test('streams the usage chunk to a client that asked for it, and records the provider-reported usage', async () => {
    const stream = await gw.client.chat.completions.create({
      model: 'gpt-fake',
      messages: [{ role: 'user', content: 'count me' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    assert.equal(usage?.prompt_tokens, DEFAULT_USAGE.prompt_tokens);
    const records = await gw.usage();
    const last = records.at(-1)!;
    assert.equal(last.stream, true);
    assert.equal(last.promptTokens, DEFAULT_USAGE.prompt_tokens);
    assert.equal(last.completionTokens, DEFAULT_USAGE.completion_tokens);
    assert.equal(last.usageEstimated, false);
    assert.equal(last.costUsd, (13 * 1 + 4 * 2) / 1e6);
  });

  test('relays each chunk as it arrives: the client reads the first while the provider still holds the rest', { timeout: 10_000 }, async () => {
    let release!: () => void;
    const until = new Promise<void>((r) => (release = r));
    fake.setReply(() => ({ pieces: ['first', ' second', ' third'], holdAfter: { events: 2, until } }));
    try {
      const stream = await gw.client.chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }], stream: true });
      const seen: string[] = [];
      for await (const chunk of stream) {
        const piece = chunk.choices[0]?.delta.content;
        if (piece) seen.push(piece);
        if (piece === 'first') release(); // only now may the provider continue
      }
      assert.deepEqual(seen, ['first', ' second', ' third']);
    } finally {
      release();
      fake.setReply(() => ({}));
    }
  });

  test('relays SSE split at awkward byte boundaries intact', async () => {
    fake.setReply(() => ({ sliceBytes: 7, pieces: ['naïve ', 'café ', '✓'] }));
    try {
      const stream = await gw.client.chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }], stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      assert.equal(text, 'naïve café ✓');
    } finally {
      fake.setReply(() => ({}));
    }
  });

  test('a provider with stream_usage: false gets no stream_options, and its stream is still metered', async () => {
    const strict = await startFakeOpenAI((req) => ({ usage: (req.body.stream_options ? DEFAULT_USAGE : null) }));
    const gw2 = await startGateway({ providers: { strict: { ...fakeProvider(strict.url, { 'gpt-strict': { input: 1, output: 1 } }), stream_usage: false } } });
    try {
      const stream = await gw2.client.chat.completions.create({ model: 'gpt-strict', messages: [{ role: 'user', content: 'hi' }], stream: true });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
      assert.equal(text, 'Hello from the fake');
      assert.equal(strict.requests.at(-1)!.body.stream_options, undefined);
      const rec = (await gw2.usage()).at(-1)!;
      assert.equal(rec.usageEstimated, true);
      assert.ok(rec.completionTokens >= 4 && rec.promptTokens > 0, 'counted by the gateway');
    } finally {
      await gw2.close();
      await strict.close();
    }
  });

  test('a client that asked include_usage gets the usage TokenHub counted when the provider sent none, as the last chunk with empty choices', async () => {
    const silent = await startFakeOpenAI(() => ({ usage: null })); // never sends a usage chunk
    const gw2 = await startGateway({ providers: { quiet: fakeProvider(silent.url, { 'gpt-quiet': { input: 1, output: 1 } }) } });
    try {
      const stream = await gw2.client.chat.completions.create({
        model: 'gpt-quiet',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      const last = chunks.at(-1)!;
      assert.deepEqual(last.choices, []);
      assert.equal(last.model, 'quiet/gpt-quiet');
      assert.equal(chunks.filter((c) => c.usage).length, 1, 'exactly one usage chunk');
      const rec = (await gw2.usage()).at(-1)!;
      assert.equal(rec.usageEstimated, true);
      assert.deepEqual(last.usage, { prompt_tokens: rec.promptTokens, completion_tokens: rec.completionTokens, total_tokens: rec.promptTokens + rec.completionTokens });
      assert.ok(rec.completionTokens > 0);

      // without include_usage, no usage chunk is invented
      const plain = await gw2.client.chat.completions.create({ model: 'gpt-quiet', messages: [{ role: 'user', content: 'hi' }], stream: true });
      for await (const chunk of plain) assert.equal(chunk.usage ?? null, null);
    } finally {
      await gw2.close();
      await silent.close();
    }
  });

  test('legacy completions and embeddings work', async () => {
    const completion = await gw.client.completions.create({ model: 'gpt-fake', prompt: 'Say hi' });
    assert.equal(completion.choices[0]!.text, 'Hello from the fake');
    assert.equal(completion.model, 'acme/gpt-fake');
    const emb = await gw.client.embeddings.create({ model: 'embed-fake', input: ['a', 'b'] });
    assert.equal(emb.data.length, 2);
    assert.equal(emb.model, 'acme/embed-fake');
  });

  test('/v1/models lists each model with provider, pricing and capabilities', async () => {
    const page = await gw.client.models.list();
    const ids = page.data.map((m) => m.id).sort();
    assert.deepEqual(ids, ['acme/embed-fake', 'acme/gpt-fake']);
    const m = page.data.find((x) => x.id === 'acme/gpt-fake') as unknown as Record<string, unknown>;
    assert.equal(m.provider, 'acme');
    assert.deepEqual(m.pricing, { input: 1, output: 2, cached_input: 1, unit: 'usd_per_million_tokens' });
    const one = await gw.client.models.retrieve('acme/gpt-fake');
    assert.equal(one.id, 'acme/gpt-fake');
  });

  test('a client that hangs up mid-stream aborts the upstream and leaves one usage record', async () => {
    fake.setReply(() => ({ pieces: Array.from({ length: 50 }, (_, i) => `w${i} `), chunkDelayMs: 20 }));
    try {
      const before = (await gw.usage()).length;
      const abortedBefore = fake.aborted;
      const controller = new AbortController();
      const stream = await gw.client.chat.completions.create(
        { model: 'gpt-fake', messages: [{ role: 'user', content: 'long' }], stream: true },
        { signal: controller.signal },
      );
      let n = 0;
      try {
        for await (const _ of stream) if (++n === 3) controller.abort();
      } catch {
        /* the SDK may end the loop or throw on abort; either way the connection is gone */
      }
      assert.equal(n, 3);
      await eventually(() => fake.aborted > abortedBefore);
      await eventually(async () => (await gw.usage()).length === before + 1);
      const rec = (await gw.usage()).at(-1)!;
      assert.equal(rec.status, 499);
      assert.equal(rec.errorCode, 'client_closed_request');
      assert.equal(rec.usageEstimated, true);
      assert.ok(rec.completionTokens > 0, 'tokens streamed before the hang-up are counted');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal((await gw.usage()).length, before + 1, 'still exactly one record');
    } finally {
      fake.setReply(() => ({}));
    }
  });

  test('a provider 400 is returned to the client unchanged, not failed over', async () => {
    fake.setReply(() => ({ status: 400, errorBody: { error: { message: 'bad temperature', type: 'invalid_request_error', param: 'temperature', code: null } } }));
    try {
      const err = await gw.client.chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
      assert.ok(err instanceof OpenAI.BadRequestError);
      assert.equal(err.message.includes('bad temperature'), true);
      assert.equal(err.headers.get('x-inferoute-provider'), 'acme');
    } finally {
      fake.setReply(() => ({}));
    }
  });
});
