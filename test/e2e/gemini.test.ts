import { PRESETS } from '../../src/providers/presets.js';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { parse } from 'yaml';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { startFakeAnthropic } from '../fakes/anthropic.js';
import { startFakeGemini, type FakeGemini } from '../fakes/gemini.js';
import { startFakeOpenAI } from '../fakes/openai.js';
import { startGateway, tempHome, writeConfig, type TestGateway } from '../helpers/gateway.js';
import { runTokenhub } from '../providers/run-cli.js';

const MODEL = 'gemini-2.5-flash';
const SIGNATURE = 'CiQBVKhc7vB+ZmV5ZlJtQ2xkU1dQY2pSb0Z0YlFQR3c9PQ==';
const TOOLS: ChatCompletionTool[] = [
  {
    type: 'function',
    function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  },
  { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: {} } } },
];

describe('Gemini behind the OpenAI SDK', () => {
  let fake: FakeGemini;
  let gw: TestGateway;

  before(async () => {
    fake = await startFakeGemini();
    gw = await startGateway({
      providers: {
        google: {
          type: 'gemini',
          base_url: fake.url,
          api_key: 'AIza-upstream-0123456789',
          models: { [MODEL]: { input: 0.3, output: 2.5, cached_input: 0.03 }, 'text-embedding-004': { input: 0.1, output: 0 } },
        },
      },
    });
  });
  after(async () => {
    await gw.close();
    await fake.close();
  });
  const reset = () => fake.setReply(() => ({}));

  test('non-streaming text comes back OpenAI-shaped, via generateContent with x-goog-api-key', async () => {
    const res = await gw.client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(res.model, `google/${MODEL}`);
    assert.equal(res.choices[0]!.message.content, 'Hello from Gemini');
    assert.equal(res.choices[0]!.finish_reason, 'stop');
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, `/v1beta/models/${MODEL}:generateContent`);
    assert.equal(sent.headers['x-goog-api-key'], 'AIza-upstream-0123456789');
    assert.equal(sent.headers.authorization, undefined);
  });

  test('multi-turn with system: systemInstruction, user/model roles, generationConfig', async () => {
    await gw.client.chat.completions.create({
      model: `google/${MODEL}`,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Name a colour.' },
        { role: 'assistant', content: 'Blue.' },
        { role: 'user', content: 'Another.' },
      ],
      temperature: 0.4,
      top_p: 0.9,
      max_tokens: 50,
      stop: 'END',
      response_format: { type: 'json_object' },
    });
    const body = fake.requests.at(-1)!.body;
    assert.deepEqual(body.systemInstruction, { parts: [{ text: 'You are terse.' }] });
    assert.deepEqual(body.contents.map((c: { role: string }) => c.role), ['user', 'model', 'user']);
    assert.deepEqual(body.generationConfig, { temperature: 0.4, topP: 0.9, maxOutputTokens: 50, stopSequences: ['END'], responseMimeType: 'application/json' });
  });

  test('images: data URLs become inlineData, https URLs fileData', async () => {
    await gw.client.chat.completions.create({
      model: MODEL,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare.' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'image_url', image_url: { url: 'https://example.com/b.jpg' } },
          ],
        },
      ],
    });
    const parts = fake.requests.at(-1)!.body.contents[0].parts;
    assert.deepEqual(parts.slice(1), [
      { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
      { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/b.jpg' } },
    ]);
  });

  test('tool calling round trip, streamed, accumulated by the SDK; ids and thought signatures round-trip', async () => {
    fake.setReply(() => ({
      pieces: ['Let me check.'],
      functionCalls: [
        { name: 'get_weather', args: { city: 'Zürich' }, thoughtSignature: SIGNATURE },
        { name: 'get_time', args: {} },
      ],
    }));
    const messages: ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather and time in Zürich?' }];
    const first = await gw.client.chat.completions.stream({ model: MODEL, messages, tools: TOOLS, tool_choice: 'required' }).finalChatCompletion();
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, `/v1beta/models/${MODEL}:streamGenerateContent`);
    assert.equal(sent.query.get('alt'), 'sse');
    assert.deepEqual(sent.body.toolConfig, { functionCallingConfig: { mode: 'ANY' } });
    assert.equal(sent.body.tools[0].functionDeclarations.length, 2);
    const msg = first.choices[0]!.message;
    assert.equal(first.choices[0]!.finish_reason, 'tool_calls');
    assert.equal(msg.content, 'Let me check.');
    const calls = msg.tool_calls ?? [];
    assert.deepEqual(calls.map((c) => c.type === 'function' && [c.function.name, JSON.parse(c.function.arguments)]), [['get_weather', { city: 'Zürich' }], ['get_time', {}]]);
    assert.equal(new Set(calls.map((c) => c.id)).size, 2);

    fake.setReply(() => ({ pieces: ['Sunny and 3pm.'] }));
    messages.push(msg, { role: 'tool', tool_call_id: calls[0]!.id, content: '{"temp":12}' }, { role: 'tool', tool_call_id: calls[1]!.id, content: '15:00' });
    const second = await gw.client.chat.completions.stream({ model: MODEL, messages, tools: TOOLS }).finalChatCompletion();
    assert.equal(second.choices[0]!.message.content, 'Sunny and 3pm.');
    const history = fake.requests.at(-1)!.body.contents;
    assert.deepEqual(history[1], {
      role: 'model',
      parts: [
        { text: 'Let me check.' },
        { functionCall: { name: 'get_weather', args: { city: 'Zürich' } }, thoughtSignature: SIGNATURE },
        { functionCall: { name: 'get_time', args: {} } },
      ],
    });
    assert.deepEqual(history[2], {
      role: 'user',
      parts: [
        { functionResponse: { name: 'get_weather', response: { temp: 12 } } },
        { functionResponse: { name: 'get_time', response: { result: '15:00' } } },
      ],
    });
    reset();
  });

  test('finish reasons map: MAX_TOKENS → length, SAFETY → content_filter, streaming and not', async () => {
    fake.setReply(() => ({ finishReason: 'MAX_TOKENS' }));
    const plain = await gw.client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] });
    assert.equal(plain.choices[0]!.finish_reason, 'length');
    fake.setReply(() => ({ finishReason: 'SAFETY', sliceBytes: 4 }));
    const stream = await gw.client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true });
    const finishes: (string | null)[] = [];
    for await (const chunk of stream) for (const c of chunk.choices) if (c.finish_reason) finishes.push(c.finish_reason);
    assert.deepEqual(finishes, ['content_filter']);
    reset();
  });

  test('n=2 asks for two candidates and returns two choices', async () => {
    const res = await gw.client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], n: 2 });
    assert.equal(fake.requests.at(-1)!.body.generationConfig.candidateCount, 2);
    assert.deepEqual(res.choices.map((c) => c.index), [0, 1]);
  });

  test('streamed usage reaches the client on request and the DB matches what the fake reported', async () => {
    fake.setReply(() => ({ usage: { promptTokenCount: 300, candidatesTokenCount: 9, cachedContentTokenCount: 256, thoughtsTokenCount: 12 }, sliceBytes: 7 }));
    const stream = await gw.client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'count' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let reported;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) reported = chunk.usage;
    }
    assert.equal(text, 'Hello from Gemini');
    assert.equal(reported?.prompt_tokens, 300);
    assert.equal(reported?.completion_tokens, 21);
    assert.equal(reported?.completion_tokens_details?.reasoning_tokens, 12);
    const rec = (await gw.usage()).at(-1)!;
    assert.deepEqual([rec.promptTokens, rec.completionTokens, rec.cachedTokens, rec.usageEstimated], [300, 21, 256, false]);
    reset();
  });

  test('a Gemini 400 comes back as an OpenAI BadRequestError; a 429 fails over and ends in 502', async () => {
    fake.setReply(() => ({ status: 400, errorMessage: 'Invalid value at generation_config.temperature' }));
    const bad = await gw.client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
    assert.ok(bad instanceof OpenAI.BadRequestError);
    assert.match(bad.message, /generation_config\.temperature/);
    assert.equal(bad.code, 'invalid_argument');
    fake.setReply(() => ({ status: 429, errorMessage: 'Resource has been exhausted' }));
    const busy = await gw.client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }], stream: true }).catch((e) => e);
    assert.ok(busy instanceof OpenAI.APIError);
    assert.equal(busy.status, 502);
    reset();
  });

  test('legacy completions work, streaming and not', async () => {
    const plain = await gw.client.completions.create({ model: MODEL, prompt: 'Say hello', max_tokens: 20 });
    assert.equal(plain.choices[0]!.text, 'Hello from Gemini');
    assert.deepEqual(fake.requests.at(-1)!.body.contents, [{ role: 'user', parts: [{ text: 'Say hello' }] }]);
    const stream = await gw.client.completions.create({ model: MODEL, prompt: 'Say hello', stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    assert.equal(text, 'Hello from Gemini');
  });

  test('embeddings go through batchEmbedContents and the SDK decodes them', async () => {
    const res = await gw.client.embeddings.create({ model: 'text-embedding-004', input: ['alpha', 'beta gamma'] });
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, '/v1beta/models/text-embedding-004:batchEmbedContents');
    assert.equal(sent.body.requests.length, 2);
    assert.equal(res.data.length, 2);
    // The SDK asked for base64 and decoded it back to floats.
    assert.deepEqual(Array.from(res.data[1]!.embedding), Array.from(Float32Array.from([0.1, 0.25, -0.5, 0.125])));
    const floats = await gw.client.embeddings.create({ model: 'text-embedding-004', input: 'alpha', encoding_format: 'float' });
    assert.deepEqual(floats.data[0]!.embedding, [0.05, 0.25, -0.5, 0.125]);
  });
});

describe('tokenhub providers, for Gemini', () => {
  test('add --preset gemini fills type and GEMINI_API_KEY; test sends a tiny request and lists models', async () => {
    const fake = await startFakeGemini(() => ({ pieces: ['OK'] }));
    const home = tempHome();
    try {
      writeConfig(home, { providers: {} });
      const added = await runTokenhub(['providers', 'add', 'google', '--preset', 'gemini', '--base-url', fake.url, '--model', MODEL], home);
      assert.equal(added.code, 0, added.stderr);
      const config = parse(readFileSync(join(home, 'config.yaml'), 'utf8'));
      // a model the preset knows gets its published prices
      assert.deepEqual(config.providers.google, { type: 'gemini', base_url: fake.url, api_key_env: 'GEMINI_API_KEY', models: { [MODEL]: PRESETS.gemini.models[MODEL] } });
      writeConfig(home, { providers: { google: { ...config.providers.google, api_key_env: undefined, api_key: 'AIza-cli-0123456789' } } });
      const probed = await runTokenhub(['providers', 'test', 'google'], home);
      assert.equal(probed.code, 0, probed.stderr);
      assert.match(probed.stdout, new RegExp(`request\\s+${MODEL} → 200 in \\d+ ms: "OK"`));
      assert.match(probed.stdout, /models\s+2: gemini-2\.5-flash, text-embedding-004/);
      assert.equal(fake.requests[0]!.path, `/v1beta/models/${MODEL}:generateContent`);
      assert.equal(fake.requests[1]!.path, '/v1beta/models');
      assert.equal(fake.requests[1]!.headers['x-goog-api-key'], 'AIza-cli-0123456789');
    } finally {
      rmSync(home, { recursive: true, force: true });
      await fake.close();
    }
  });
});

describe('the same client code against OpenAI, Anthropic, Gemini and an Ollama-style server', () => {
  test('chat, streamed chat with usage and legacy completions all work unchanged', async () => {
    const [openai, ollama, claude, gemini] = await Promise.all([startFakeOpenAI(), startFakeOpenAI(), startFakeAnthropic(), startFakeGemini()]);
    const gw = await startGateway({
      providers: {
        openai: { type: 'openai', base_url: openai.url, api_key: 'sk-upstream-0123456789', models: { 'gpt-4o-mini': { input: 0.15, output: 0.6 } } },
        ollama: { type: 'openai-compatible', base_url: ollama.url, models: { 'llama3.2': { input: 0, output: 0 } } },
        claude: { type: 'anthropic', base_url: claude.url, api_key: 'sk-ant-0123456789', models: { 'claude-haiku-4-5': { input: 1, output: 5 } } },
        google: { type: 'gemini', base_url: gemini.url, api_key: 'AIza-0123456789', models: { [MODEL]: { input: 0.3, output: 2.5 } } },
      },
    });
    const converse = async (client: OpenAI, model: string) => {
      const messages: ChatCompletionMessageParam[] = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }];
      const plain = await client.chat.completions.create({ model, messages });
      const stream = await client.chat.completions.create({ model, messages, stream: true, stream_options: { include_usage: true } });
      let streamed = '';
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const chunk of stream) {
        streamed += chunk.choices[0]?.delta.content ?? '';
        if (chunk.usage) usage = chunk.usage;
      }
      const legacy = await client.completions.create({ model, prompt: 'Hi', max_tokens: 16 });
      return { served: plain.model, text: plain.choices[0]!.message.content, finish: plain.choices[0]!.finish_reason, streamed, usage, legacy: legacy.choices[0]!.text };
    };
    try {
      for (const [model, provider] of [['gpt-4o-mini', 'openai'], ['llama3.2', 'ollama'], ['claude-haiku-4-5', 'claude'], [MODEL, 'google']] as const) {
        const r = await converse(gw.client, model);
        assert.equal(r.served, `${provider}/${model}`);
        assert.ok(r.text && r.text.length > 0, provider);
        assert.equal(r.streamed, r.text, provider);
        assert.equal(r.finish, 'stop', provider);
        assert.ok((r.usage?.prompt_tokens ?? 0) > 0 && (r.usage?.completion_tokens ?? 0) > 0, `${provider} usage`);
        assert.equal(r.legacy, r.text, provider);
      }
    } finally {
      await gw.close();
      await Promise.all([openai.close(), ollama.close(), claude.close(), gemini.close()]);
    }
  });
});
