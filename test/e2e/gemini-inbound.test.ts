/**
 * Gemini's API inbound, end to end with the official @google/genai SDK: the real daemon
 * in front of a fake OpenAI provider replaying recorded OpenAI fixtures (translated
 * path). The Gemini-provider (native) path is in gemini-native.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FunctionCallingConfigMode, GoogleGenAI, Type } from '@google/genai';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';
import { createLogger } from '../../src/util/log.js';
import { fixture } from '../providers/helpers.js';

const json = (name: string) => ({ raw: { contentType: 'application/json', body: fixture(`openai/${name}`) } });
const sse = (name: string) => ({ raw: { contentType: 'text/event-stream', body: fixture(`openai/${name}`) } });

describe('Gemini API inbound, translated to an OpenAI provider', () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;
  let ai: GoogleGenAI;
  const logLines: string[] = [];

  before(async () => {
    fake = await startFakeOpenAI();
    gw = await startGateway(
      {
        providers: {
          oa: fakeProvider(fake.url, { 'gpt-4o-mini': { input: 1, output: 2 }, 'text-embedding-3-small': null }),
          // OpenAI itself: the same fake, but the adapter knows it refuses fields it does not define
          openai: { type: 'openai', base_url: fake.url, api_key: 'sk-upstream-secret-0123456789', models: { 'gpt-4.1': null } },
        },
      },
      { log: createLogger({ level: 'debug', write: (l) => logLines.push(l) }) },
    );
    ai = new GoogleGenAI({ apiKey: gw.key, httpOptions: { baseUrl: gw.url } });
  });
  after(async () => {
    await gw.close();
    await fake.close();
  });

  test('generateContent: systemInstruction, generationConfig and usageMetadata with cached and thought tokens', async () => {
    fake.setReply(() => json('chat-cached-reasoning.json'));
    const res = await ai.models.generateContent({
      model: 'gpt-4o-mini',
      contents: 'What is the capital of France?',
      config: { systemInstruction: 'Be terse.', temperature: 0.3, topP: 0.9, maxOutputTokens: 50, stopSequences: ['END'], responseMimeType: 'application/json', safetySettings: [] },
    });
    assert.equal(res.text, 'The capital of France is Paris.');
    assert.equal(res.candidates?.[0]?.finishReason, 'STOP');
    assert.equal(res.modelVersion, 'oa/gpt-4o-mini');
    assert.deepEqual({ ...res.usageMetadata }, {
      promptTokenCount: 1117,
      candidatesTokenCount: 26,
      thoughtsTokenCount: 20,
      cachedContentTokenCount: 1024,
      totalTokenCount: 1163,
    });
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, '/v1/chat/completions');
    assert.deepEqual(sent.body.messages, [
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: 'What is the capital of France?' },
    ]);
    assert.equal(sent.body.temperature, 0.3);
    assert.equal(sent.body.top_p, 0.9);
    assert.equal(sent.body.max_tokens, 50);
    assert.deepEqual(sent.body.stop, ['END']);
    assert.deepEqual(sent.body.response_format, { type: 'json_object' });
    assert.equal(sent.body.safetySettings, undefined);
    const rec = (await gw.usage()).at(-1)!;
    assert.equal(rec.endpoint, 'generate_content');
    assert.equal(rec.promptTokens, 1117);
    assert.equal(rec.cachedTokens, 1024);
    assert.equal(rec.reasoningTokens, 20);
    assert.equal(rec.servedModel, 'oa/gpt-4o-mini');
    assert.ok(logLines.some((l) => l.includes('dropped') && l.includes('safetySettings')), 'safetySettings ignored with a logged note');
  });

  test('generateContentStream (alt=sse): text piece by piece, then finishReason and usageMetadata', async () => {
    fake.setReply(() => ({ pieces: ['Hello', ' from', ' the', ' fake'] }));
    const chunks = [];
    for await (const chunk of await ai.models.generateContentStream({ model: 'gpt-4o-mini', contents: 'hi' })) chunks.push(chunk);
    assert.equal(chunks.map((c) => c.text ?? '').join(''), 'Hello from the fake');
    assert.ok(chunks.length >= 4, 'one response per piece');
    const last = chunks.at(-1)!;
    assert.equal(last.candidates?.[0]?.finishReason, 'STOP');
    assert.equal(last.usageMetadata?.promptTokenCount, 13);
    assert.equal(last.usageMetadata?.candidatesTokenCount, 4);
    assert.equal(fake.requests.at(-1)!.body.stream, true);
    const rec = (await gw.usage()).at(-1)!;
    assert.equal(rec.endpoint, 'generate_content');
    assert.equal(rec.stream, true);
  });

  test('a function call round trip: declarations and toolConfig go out as tools, the call comes back with its id, the answer goes back', async () => {
    fake.setReply(() => json('chat-tool-call.json'));
    const tools = [
      {
        functionDeclarations: [
          {
            name: 'get_current_weather',
            description: 'Weather in a city',
            parameters: { type: Type.OBJECT, properties: { location: { type: Type.STRING } }, required: ['location'] },
          },
          { name: 'get_time', parametersJsonSchema: { type: 'object', properties: { tz: { type: 'string' } } } },
        ],
      },
    ];
    const config = { tools, toolConfig: { functionCallingConfig: { mode: FunctionCallingConfigMode.ANY, allowedFunctionNames: ['get_current_weather'] } } };
    const first = await ai.models.generateContent({ model: 'gpt-4o-mini', contents: 'Weather in Boston?', config });
    const call = first.functionCalls?.[0];
    assert.deepEqual({ ...call }, { id: 'call_abc123', name: 'get_current_weather', args: { location: 'Boston, MA' } });
    assert.equal(first.candidates?.[0]?.finishReason, 'STOP');
    const sent = fake.requests.at(-1)!.body;
    assert.deepEqual(sent.tools, [
      {
        type: 'function',
        function: { name: 'get_current_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] } },
      },
      { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { tz: { type: 'string' } } } } },
    ]);
    assert.deepEqual(sent.tool_choice, { type: 'function', function: { name: 'get_current_weather' } });

    fake.setReply(() => ({ pieces: ['It is sunny.'] }));
    const second = await ai.models.generateContent({
      model: 'gpt-4o-mini',
      contents: [
        { role: 'user', parts: [{ text: 'Weather in Boston?' }] },
        first.candidates![0]!.content!,
        { role: 'user', parts: [{ functionResponse: { id: call!.id, name: call!.name, response: { temp_c: 21 } } }] },
      ],
      config,
    });
    assert.equal(second.text, 'It is sunny.');
    const messages = fake.requests.at(-1)!.body.messages;
    assert.deepEqual(messages[1], {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_abc123', type: 'function', function: { name: 'get_current_weather', arguments: '{"location":"Boston, MA"}' } }],
    });
    assert.deepEqual(messages[2], { role: 'tool', tool_call_id: 'call_abc123', content: '{"temp_c":21}' });
  });

  test('thought signatures ride on extra_content to an OpenAI-compatible server and are dropped for OpenAI itself; the stand-in is dropped', async () => {
    fake.setReply(() => ({ pieces: ['ok'] }));
    const contents = [
      { role: 'user', parts: [{ text: 'Weather?' }] },
      {
        role: 'model',
        parts: [
          { text: 'Looking.', thought: true },
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2lnbmVkLWJ5LWdlbWluaQ==' },
          { functionCall: { name: 'get_time', args: {} }, thoughtSignature: 'skip_thought_signature_validator' },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_time', response: { time: '09:00' } } },
          { functionResponse: { name: 'get_weather', response: { temp_c: 21 } } },
        ],
      },
    ];
    await ai.models.generateContent({ model: 'gpt-4o-mini', contents });
    const compatible = fake.requests.at(-1)!.body.messages;
    assert.deepEqual(compatible[1], {
      role: 'assistant',
      content: null,
      reasoning_content: 'Looking.',
      tool_calls: [
        { id: 'call_gemini_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' }, extra_content: { google: { thought_signature: 'c2lnbmVkLWJ5LWdlbWluaQ==' } } },
        { id: 'call_gemini_1', type: 'function', function: { name: 'get_time', arguments: '{}' } },
      ],
    });
    // answers without ids are matched to their calls by name
    assert.deepEqual(compatible.slice(2), [
      { role: 'tool', tool_call_id: 'call_gemini_1', content: '{"time":"09:00"}' },
      { role: 'tool', tool_call_id: 'call_gemini_0', content: '{"temp_c":21}' },
    ]);
    await ai.models.generateContent({ model: 'gpt-4.1', contents });
    const strict = fake.requests.at(-1)!.body.messages;
    assert.deepEqual(strict[1], {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_gemini_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        { id: 'call_gemini_1', type: 'function', function: { name: 'get_time', arguments: '{}' } },
      ],
    });
  });

  test('a streamed function call arrives whole in the last response', async () => {
    fake.setReply(() => sse('chat-tool-call.sse'));
    const chunks = [];
    for await (const chunk of await ai.models.generateContentStream({ model: 'gpt-4o-mini', contents: 'Weather?' })) chunks.push(chunk);
    const calls = chunks.flatMap((c) => c.functionCalls ?? []);
    assert.deepEqual(calls.map((c) => ({ ...c })), [{ id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_current_weather', args: { location: 'Boston, MA' } }]);
    assert.equal(chunks.at(-1)!.usageMetadata?.promptTokenCount, 82);
  });

  test('countTokens is an estimate and asks no provider', async () => {
    const before = fake.requests.length;
    const res = await ai.models.countTokens({ model: 'gpt-4o-mini', contents: 'Count the tokens in this sentence, please.' });
    assert.ok(typeof res.totalTokens === 'number' && res.totalTokens > 5 && res.totalTokens < 30, String(res.totalTokens));
    assert.equal(fake.requests.length, before);
  });

  test('embedContent and batchEmbedContents go through the embeddings operation', async () => {
    fake.setReply(() => ({}));
    const one = await ai.models.embedContent({ model: 'text-embedding-3-small', contents: 'hello world' });
    assert.equal(one.embeddings?.length, 1);
    assert.ok((one.embeddings![0]!.values?.length ?? 0) > 0);
    assert.deepEqual(fake.requests.at(-1)!.body.input, ['hello world']);
    const many = await ai.models.embedContent({ model: 'text-embedding-3-small', contents: ['a', 'b'] });
    assert.equal(many.embeddings?.length, 2);
    assert.deepEqual(fake.requests.at(-1)!.body.input, ['a', 'b']);
  });

  test('without alt=sse the stream is one JSON array; the key may come as ?key= and never reaches a log line', async () => {
    fake.setReply(() => ({ pieces: ['Hi', ' there'] }));
    logLines.length = 0;
    const res = await fetch(`${gw.url}/v1beta/models/gpt-4o-mini:streamGenerateContent?key=${gw.key}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { candidates: { content: { parts: { text?: string }[] }; finishReason?: string }[] }[];
    assert.ok(Array.isArray(body));
    assert.equal(body.flatMap((r) => r.candidates[0]!.content.parts.map((p) => p.text ?? '')).join(''), 'Hi there');
    assert.equal(body.at(-1)!.candidates[0]!.finishReason, 'STOP');
    await gw.usage();
    assert.ok(logLines.some((l) => l.includes('request')), 'the request was logged');
    assert.ok(!logLines.some((l) => l.includes(gw.key) || l.includes(gw.key.slice(0, 16))), 'no key in any log line');
  });

  test('the same methods answer under /v1, and GET /v1beta/models lists only what the key may use', async () => {
    fake.setReply(() => ({ pieces: ['ok'] }));
    const v1 = new GoogleGenAI({ apiKey: gw.key, httpOptions: { baseUrl: gw.url, apiVersion: 'v1' } });
    assert.equal((await v1.models.generateContent({ model: 'gpt-4o-mini', contents: 'hi' })).text, 'ok');
    const limited = gw.mintKey({ models: ['gpt-4o-mini'] });
    const res = await fetch(`${gw.url}/v1beta/models`, { headers: { 'x-goog-api-key': limited.key } });
    const list = (await res.json()) as { models: { name: string; supportedGenerationMethods: string[] }[] };
    assert.deepEqual(list.models.map((m) => m.name), ['models/oa/gpt-4o-mini']);
    assert.ok(list.models[0]!.supportedGenerationMethods.includes('generateContent'));
    const one = await fetch(`${gw.url}/v1beta/models/oa/gpt-4o-mini`, { headers: { 'x-goog-api-key': limited.key } });
    assert.equal(((await one.json()) as { name: string }).name, 'models/oa/gpt-4o-mini');
    const hidden = await fetch(`${gw.url}/v1beta/models/oa/text-embedding-3-small`, { headers: { 'x-goog-api-key': limited.key } });
    assert.equal(hidden.status, 404);
    assert.equal(((await hidden.json()) as { error: { status: string } }).error.status, 'NOT_FOUND');
  });
});

describe('Gemini API inbound, translated to an Anthropic provider', () => {
  let claude: FakeAnthropic;
  let gw: TestGateway;
  let ai: GoogleGenAI;

  before(async () => {
    claude = await startFakeAnthropic();
    gw = await startGateway({
      providers: { claude: { type: 'anthropic', base_url: claude.url, api_key: 'sk-ant-upstream-0123456789', models: { 'claude-sonnet-4-5': null } } },
    });
    ai = new GoogleGenAI({ apiKey: gw.key, httpOptions: { baseUrl: gw.url } });
  });
  after(async () => {
    await gw.close();
    await claude.close();
  });

  test('thinkingConfig becomes an Anthropic thinking budget; thinking comes back as thought parts, the tool use as a functionCall with its id', async () => {
    claude.setReply(() => ({ recorded: fixture('anthropic/thinking-tool-use.json') }));
    const res = await ai.models.generateContent({
      model: 'claude-sonnet-4-5',
      contents: 'Weather in Paris?',
      config: {
        maxOutputTokens: 4096,
        thinkingConfig: { thinkingBudget: 2048, includeThoughts: true },
        tools: [{ functionDeclarations: [{ name: 'weather', parametersJsonSchema: { type: 'object', properties: { location: { type: 'string' } } } }] }],
      },
    });
    const sent = claude.requests.at(-1)!.body;
    assert.deepEqual(sent.thinking, { type: 'enabled', budget_tokens: 2048 });
    assert.equal(sent.max_tokens, 4096);
    assert.deepEqual(sent.tools, [{ name: 'weather', input_schema: { type: 'object', properties: { location: { type: 'string' } } } }]);
    const parts = res.candidates![0]!.content!.parts!;
    assert.equal(parts[0]!.thought, true);
    assert.match(parts[0]!.text!, /weather in Paris/);
    assert.equal(parts[1]!.text, "I'll check the current weather in Paris for you.");
    assert.deepEqual({ ...res.functionCalls![0] }, { id: 'toolu_01WaeSyitUGJFaaPe68cJuEv', name: 'weather', args: { location: 'Paris' } });
    assert.equal(res.candidates![0]!.finishReason, 'STOP');
    assert.equal(res.usageMetadata?.candidatesTokenCount, 112);
    const rec = (await gw.usage()).at(-1)!;
    assert.deepEqual([rec.endpoint, rec.provider, rec.cacheWriteTokens], ['generate_content', 'claude', 1536]);
  });
});
