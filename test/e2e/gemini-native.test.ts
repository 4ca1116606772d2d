/**
 * Gemini's API inbound in front of a Gemini provider: forwarded natively (the body as
 * sent, only the model in the path changed), with the official @google/genai SDK as the
 * client and a fake Gemini API replaying fixtures recorded from Gemini's documentation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiError, GoogleGenAI, HarmBlockThreshold, HarmCategory } from '@google/genai';
import { startFakeGemini, type FakeGemini } from '../fakes/gemini.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';
import { fixture } from '../providers/helpers.js';

const UPSTREAM_KEY = 'AIza-upstream-0123456789';
const SIGNATURE = 'CiQBVKhc7vB+ZmV5ZlJtQ2xkU1dQY2pSb0Z0YlFQR3c9PQ==';
const json = (name: string) => ({ raw: { contentType: 'application/json; charset=UTF-8', body: fixture(`gemini/${name}`) } });
const sse = (name: string) => ({ raw: { contentType: 'text/event-stream', body: fixture(`gemini/${name}`) } });

describe('Gemini API inbound, forwarded natively to a Gemini provider', () => {
  let fake: FakeGemini;
  let openai: FakeOpenAI;
  let gw: TestGateway;
  let ai: GoogleGenAI;

  before(async () => {
    fake = await startFakeGemini();
    openai = await startFakeOpenAI();
    gw = await startGateway({
      providers: {
        google: {
          type: 'gemini',
          base_url: fake.url,
          api_key: UPSTREAM_KEY,
          // the client's name for the model, and the id Gemini knows it by
          models: { flash: { upstream_id: 'gemini-2.5-flash', input: 0.3, output: 2.5 }, 'text-embedding-004': null },
        },
        oa: fakeProvider(openai.url, { 'gpt-4o-mini': null }),
      },
    });
    ai = new GoogleGenAI({ apiKey: gw.key, httpOptions: { baseUrl: gw.url } });
  });
  after(async () => {
    await gw.close();
    await fake.close();
    await openai.close();
  });

  test('generateContent: the body goes as sent (safetySettings, topK, thinkingConfig too), the answer comes back as Gemini sent it', async () => {
    fake.setReply(() => json('text.json'));
    const res = await ai.models.generateContent({
      model: 'flash',
      contents: 'Hello',
      config: {
        systemInstruction: 'Be brief.',
        topK: 40,
        thinkingConfig: { thinkingBudget: 1024, includeThoughts: true },
        safetySettings: [{ category: HarmCategory.HARM_CATEGORY_HARASSMENT, threshold: HarmBlockThreshold.BLOCK_ONLY_HIGH }],
      },
    });
    assert.equal(res.text, 'Hello! How can I help you today?');
    assert.equal(res.responseId, 'mB0taLmRJOWhz7IPwNuf4Qc');
    assert.equal(res.usageMetadata?.thoughtsTokenCount, 26);
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, '/v1beta/models/gemini-2.5-flash:generateContent');
    assert.equal(sent.headers['x-goog-api-key'], UPSTREAM_KEY);
    assert.equal(sent.query.get('key'), null);
    assert.deepEqual(sent.body, {
      contents: [{ parts: [{ text: 'Hello' }], role: 'user' }],
      systemInstruction: { parts: [{ text: 'Be brief.' }], role: 'user' },
      generationConfig: { topK: 40, thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } },
      safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_ONLY_HIGH' }],
    });
    const rec = (await gw.usage()).at(-1)!;
    assert.equal(rec.endpoint, 'generate_content');
    assert.equal(rec.servedModel, 'google/flash');
    assert.equal(rec.promptTokens, 9);
    assert.equal(rec.completionTokens, 35, 'thoughts are billed as output');
    assert.equal(rec.reasoningTokens, 26);
    assert.equal(rec.usageEstimated, false);
  });

  test('generateContentStream: the provider asked with alt=sse, its events relayed as they came', async () => {
    fake.setReply(() => sse('text.sse'));
    const chunks = [];
    for await (const chunk of await ai.models.generateContentStream({ model: 'flash', contents: 'Hello' })) chunks.push(chunk);
    const expected = fixture('gemini/text.sse')
      .split(/\r?\n\r?\n/)
      .filter((f) => f.startsWith('data: '))
      .map((f) => JSON.parse(f.slice(6)) as { candidates: { content: { parts: { text: string }[] } }[] });
    assert.equal(chunks.length, expected.length);
    assert.equal(chunks.map((c) => c.text).join(''), expected.map((e) => e.candidates[0]!.content.parts[0]!.text).join(''));
    assert.equal(fake.requests.at(-1)!.path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    assert.equal(fake.requests.at(-1)!.query.get('alt'), 'sse');
    const rec = (await gw.usage()).at(-1)!;
    assert.equal(rec.stream, true);
    assert.equal(rec.usageEstimated, false);
  });

  test('without alt=sse the client still gets the JSON array, from the provider\'s SSE', async () => {
    fake.setReply(() => sse('text.sse'));
    const res = await fetch(`${gw.url}/v1beta/models/flash:streamGenerateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': gw.key },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Hello' }] }] }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { responseId: string }[];
    assert.ok(Array.isArray(body) && body.length >= 2);
    assert.ok(body.every((r) => r.responseId === 'sTrEaM1dEx4mPlE'));
  });

  test('a function-call round trip keeps its thought signatures, both ways', async () => {
    fake.setReply(() => json('tool-call.json'));
    const tools = [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: { type: 'object', properties: { location: { type: 'string' } } } }, { name: 'get_time' }] }];
    const first = await ai.models.generateContent({ model: 'flash', contents: 'Weather and time in Boston?', config: { tools } });
    const parts = first.candidates![0]!.content!.parts!;
    assert.equal(parts[0]!.thoughtSignature, SIGNATURE);
    assert.deepEqual(first.functionCalls?.map((c) => c.name), ['get_weather', 'get_time']);
    assert.deepEqual(fake.requests.at(-1)!.body.tools, tools);

    fake.setReply(() => json('text.json'));
    await ai.models.generateContent({
      model: 'flash',
      contents: [
        { role: 'user', parts: [{ text: 'Weather and time in Boston?' }] },
        first.candidates![0]!.content!,
        {
          role: 'user',
          parts: [
            { functionResponse: { name: 'get_weather', response: { temp_c: 21 } } },
            { functionResponse: { name: 'get_time', response: { time: '09:00' } } },
          ],
        },
      ],
      config: { tools },
    });
    const model = fake.requests.at(-1)!.body.contents[1];
    assert.equal(model.role, 'model');
    assert.equal(model.parts[0].thoughtSignature, SIGNATURE);
    assert.deepEqual(model.parts[0].functionCall, { name: 'get_weather', args: { location: 'Boston, MA', unit: 'celsius' } });
  });

  test('countTokens is the gateway\'s estimate; embedContent and batchEmbedContents are forwarded natively', async () => {
    const before = fake.requests.length;
    const count = await ai.models.countTokens({ model: 'flash', contents: 'How many tokens is this?' });
    assert.ok((count.totalTokens ?? 0) > 0);
    assert.equal(fake.requests.length, before);

    // the SDK sends embedContent as batchEmbedContents, each request naming the model: that model becomes the upstream one
    fake.setReply(() => json('embeddings.json'));
    const two = await ai.models.embedContent({ model: 'text-embedding-004', contents: ['a', 'b'], config: { outputDimensionality: 4 } });
    const recorded = JSON.parse(fixture('gemini/embeddings.json')) as { embeddings: { values: number[] }[] };
    assert.deepEqual(two.embeddings?.map((e) => e.values), recorded.embeddings.map((e) => e.values));
    const batch = fake.requests.at(-1)!;
    assert.equal(batch.path, '/v1beta/models/text-embedding-004:batchEmbedContents');
    assert.deepEqual(batch.body.requests.map((r: { model: string }) => r.model), ['models/text-embedding-004', 'models/text-embedding-004']);
    assert.equal(batch.body.requests[0].outputDimensionality, 4);

    fake.setReply(() => json('embed-content.json'));
    const res = await fetch(`${gw.url}/v1beta/models/text-embedding-004:embedContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': gw.key },
      body: JSON.stringify({ content: { parts: [{ text: 'hello world' }] }, taskType: 'RETRIEVAL_DOCUMENT' }),
    });
    assert.deepEqual(await res.json(), JSON.parse(fixture('gemini/embed-content.json')));
    assert.equal(fake.requests.at(-1)!.path, '/v1beta/models/text-embedding-004:embedContent');
    assert.deepEqual(fake.requests.at(-1)!.body, { content: { parts: [{ text: 'hello world' }] }, taskType: 'RETRIEVAL_DOCUMENT' });
    assert.equal((await gw.usage()).at(-1)!.endpoint, 'embeddings');
  });

  test("a Gemini provider's 400 reaches the client in Gemini's own envelope, as it sent it", async () => {
    fake.setReply(() => ({ status: 400, errorMessage: '* GenerateContentRequest.contents: contents is not specified\n', errorStatus: 'INVALID_ARGUMENT' }));
    await assert.rejects(ai.models.generateContent({ model: 'flash', contents: 'x' }), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 400);
      assert.match(e.message, /INVALID_ARGUMENT/);
      assert.match(e.message, /contents is not specified/);
      return true;
    });
    fake.setReply(() => ({}));
  });

  test('what only Gemini can do (a built-in tool, cached content) goes to the Gemini provider as sent, and is a 400 naming it for an OpenAI model', async () => {
    fake.setReply(() => json('text.json'));
    const config = { tools: [{ googleSearch: {} }], cachedContent: 'cachedContents/abc123' };
    assert.equal((await ai.models.generateContent({ model: 'flash', contents: 'News?', config })).text, 'Hello! How can I help you today?');
    assert.deepEqual(fake.requests.at(-1)!.body.tools, [{ googleSearch: {} }]);
    assert.equal(fake.requests.at(-1)!.body.cachedContent, 'cachedContents/abc123');
    const before = openai.requests.length;
    await assert.rejects(ai.models.generateContent({ model: 'gpt-4o-mini', contents: 'News?', config }), (e: unknown) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 400);
      assert.match(e.message, /INVALID_ARGUMENT/);
      assert.match(e.message, /tools\.googleSearch: a built-in Gemini tool cannot be translated for a non-Gemini provider/);
      return true;
    });
    assert.equal(openai.requests.length, before, 'the OpenAI provider is not asked');
    const rec = (await gw.usage()).at(-1)!;
    assert.deepEqual([rec.endpoint, rec.status], ['generate_content', 400]);
  });

  test('the same client, the same request, to an OpenAI model: translated, and the signature-free answer still parses', async () => {
    openai.setReply(() => ({ pieces: ['Translated.'] }));
    const res = await ai.models.generateContent({ model: 'gpt-4o-mini', contents: 'Hello', config: { topK: 40 } });
    assert.equal(res.text, 'Translated.');
    assert.equal(openai.requests.at(-1)!.body.top_k, undefined, 'OpenAI refuses what it does not know');
  });
});
