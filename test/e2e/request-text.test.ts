/**
 * A chat client's request reaches an OpenAI-shaped provider as the client wrote it, with
 * only the model (and, for a stream, stream_options) edited: its numbers, escapes, key
 * order and spacing are not re-serialised. Whatever TokenHub changes in the body (an
 * output cap, a removed redirecting field) still goes out as the changed body.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.js';
import { startFakeGemini, type FakeGemini } from '../fakes/gemini.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { startReplay, type ReplayServer } from '../fakes/replay.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

describe('the request text a chat client sent', () => {
  let fake: FakeOpenAI;
  let claude: FakeAnthropic;
  let oai: ReplayServer;
  let gemini: FakeGemini;
  let gw: TestGateway;

  before(async () => {
    fake = await startFakeOpenAI();
    claude = await startFakeAnthropic();
    gemini = await startFakeGemini();
    oai = await startReplay(() => ({ fixture: 'openai/responses/responses-text.json' }));
    gw = await startGateway({
      providers: {
        acme: { type: 'openai-compatible', base_url: fake.url, api_key: 'sk-upstream-secret-0123456789', models: { alias: { upstream_id: 'acme-large-2', input: 1, output: 2 } } },
        claude: { type: 'anthropic', base_url: claude.url, api_key: 'sk-ant-upstream-0123456789', models: { sonnet: { upstream_id: 'claude-sonnet-4-5', input: 3, output: 15 } } },
        google: { type: 'gemini', base_url: gemini.url, api_key: 'AIza-upstream-0123456789', models: { flash: { upstream_id: 'gemini-2.5-flash', input: 0.3, output: 2.5 } } },
        oai: { type: 'openai', base_url: oai.url, api_key: 'sk-upstream-openai-0123456789', models: { big: { upstream_id: 'gpt-4.1', input: 2, output: 8 } } },
      },
    });
  });
  after(async () => {
    await gw.close();
    await fake.close();
    await claude.close();
    await oai.close();
    await gemini.close();
  });

  const post = (text: string, key = gw.key) =>
    request(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: text });

  const CLIENT_TEXT =
    '{ "seed" : 12345678901234567890, "temperature": 1.0,\n  "model": "alias", "messages": [{"role":"user","content":"caf\\u00e9 \\"model\\": \\ud83d\\ude42"}],\n  "metadata": {"model": "not this one"} }';

  test('goes to the provider byte for byte, the model renamed to its upstream id', async () => {
    const res = await post(CLIENT_TEXT);
    assert.equal(res.statusCode, 200);
    await res.body.dump();
    assert.equal(fake.requests.at(-1)!.raw, CLIENT_TEXT.replace('"model": "alias"', '"model": "acme-large-2"'));
  });

  test('a stream: stream_options.include_usage is added, the rest as sent', async () => {
    const text = CLIENT_TEXT.replace('"temperature": 1.0,', '"temperature": 1.0, "stream": true,');
    const res = await post(text);
    assert.equal(res.statusCode, 200);
    await res.body.dump();
    assert.equal(fake.requests.at(-1)!.raw, text.replace('"model": "alias"', '"model": "acme-large-2"').replace(/ }$/, ' ,"stream_options":{"include_usage":true}}'));
  });

  test('a stream whose stream_options lacks include_usage: the body is serialised with it set', async () => {
    const res = await post(JSON.stringify({ model: 'alias', stream: true, stream_options: { include_obfuscation: false }, messages: [{ role: 'user', content: 'hi' }] }));
    assert.equal(res.statusCode, 200);
    await res.body.dump();
    assert.deepEqual(fake.requests.at(-1)!.body.stream_options, { include_obfuscation: false, include_usage: true });
  });

  test('a body TokenHub changes goes out changed: the output cap of a small budget, a removed redirecting field', async () => {
    const { key } = gw.mintKey({ budgetUsd: 0.0001 });
    const capped = await post(CLIENT_TEXT.replace('"temperature": 1.0,', '"temperature": 1.0, "max_tokens": 100000,'), key);
    assert.equal(capped.statusCode, 200);
    await capped.body.dump();
    const sent = fake.requests.at(-1)!;
    assert.ok(sent.body.max_tokens < 100000, `capped: ${sent.body.max_tokens}`);
    assert.equal(sent.body.model, 'acme-large-2');
    assert.equal(String(sent.body.seed), '12345678901234567000', 'serialised from the parsed body (the cap changed it)');

    const redirected = await post(CLIENT_TEXT.replace('"temperature": 1.0,', '"temperature": 1.0, "api_base": "http://evil.example",'));
    assert.equal(redirected.statusCode, 200);
    await redirected.body.dump();
    assert.equal(fake.requests.at(-1)!.body.api_base, undefined);
    assert.ok(!fake.requests.at(-1)!.raw.includes('evil.example'));
  });

  test('the native paths too: /v1/messages to Anthropic, /v1/responses to OpenAI and Gemini to Gemini get the client\'s text, the model renamed', async () => {
    const messages = String.raw`{"model" : "sonnet", "max_tokens": 64, "metadata": {"user_id": "u\u0031"},
 "messages": [{"role": "user", "content": "temperature 1.0 \"model\""}], "temperature": 1.0}`;
    const m = await request(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': gw.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' }, body: messages });
    assert.equal(m.statusCode, 200);
    await m.body.dump();
    assert.equal(claude.requests.at(-1)!.raw, messages.replace('"model" : "sonnet"', '"model" : "claude-sonnet-4-5"'));

    const responses = '{"input": "Tell me a story.", "model":"big", "store": false, "top_p": 1.0, "reasoning": {"effort": "low"}}';
    const r = await request(`${gw.url}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' }, body: responses });
    assert.equal(r.statusCode, 200);
    await r.body.dump();
    assert.equal(oai.requests.at(-1)!.raw, responses.replace('"model":"big"', '"model":"gpt-4.1"'));

    const generate = '{ "contents" : [{"role": "user", "parts": [{"text": "caf\u00e9"}]}], "generationConfig": {"temperature": 1.0} }';
    const g = await request(`${gw.url}/v1beta/models/flash:generateContent`, { method: 'POST', headers: { 'x-goog-api-key': gw.key, 'content-type': 'application/json' }, body: generate });
    assert.equal(g.statusCode, 200);
    await g.body.dump();
    assert.equal(gemini.requests.at(-1)!.path, '/v1beta/models/gemini-2.5-flash:generateContent');
    assert.equal(gemini.requests.at(-1)!.raw, generate, 'the model is in the path: the body as sent');
  });
});
