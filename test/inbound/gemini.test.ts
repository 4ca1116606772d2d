/** The pure Gemini-inbound translation: GenerateContentRequest → chat body, chat answers and streams → Gemini shapes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toChatRequest, toJsonSchema } from '../../src/inbound/gemini/request.js';
import { geminiErrorFromOpenAI, rpcStatusFor, toGenerateContentResponse } from '../../src/inbound/gemini/response.js';
import { arrayFraming, GeminiResponseWriter, sseFraming } from '../../src/inbound/gemini/stream.js';
import { isTranslated } from '../../src/providers/openai-shape.js';
import { SseDecoder } from '../../src/upstream/sse.js';
import { fixture } from '../providers/helpers.js';

const user = (parts: unknown[]) => ({ contents: [{ role: 'user', parts }] });
const estimate = { promptTokens: 5, completionTokens: 0, cachedTokens: 0 };

test('parts: text, inline images, audio and PDFs, file URIs; systemInstruction as text; marked translated', () => {
  const { body } = toChatRequest(
    {
      systemInstruction: { parts: [{ text: 'Be brief.' }, { text: 'Be kind.' }] },
      ...user([
        { text: 'Look:' },
        { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
        { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
        { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
        { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/cat.jpg' } },
      ]),
    },
    'm',
  );
  assert.deepEqual(body.messages, [
    { role: 'system', content: 'Be brief.\nBe kind.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Look:' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
        { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'file' } },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
      ],
    },
  ]);
  assert.equal(isTranslated(body), true);
});

test('generationConfig: sampling, stops, candidates, JSON output, thinking; what a translation drops is noted', () => {
  const g = (generationConfig: unknown, extra: object = {}) => toChatRequest({ ...user([{ text: 'x' }]), generationConfig, ...extra }, 'm');
  const { body, notes } = g(
    { temperature: 0.2, topP: 0.8, topK: 20, maxOutputTokens: 99, stopSequences: ['END'], candidateCount: 2, seed: 7, responseMimeType: 'application/json' },
    { safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }], tools: [{ googleSearch: {} }] },
  );
  assert.deepEqual(
    { t: body.temperature, p: body.top_p, max: body.max_tokens, stop: body.stop, n: body.n, seed: body.seed, rf: body.response_format, k: body.top_k },
    { t: 0.2, p: 0.8, max: 99, stop: ['END'], n: 2, seed: 7, rf: { type: 'json_object' }, k: undefined },
  );
  assert.deepEqual(notes.ignored.sort(), ['generationConfig.topK', 'safetySettings']);
  assert.match(notes.refusal?.message ?? '', /^tools\.googleSearch: a built-in Gemini tool cannot be translated for a non-Gemini provider$/);

  const schema = { type: 'OBJECT', properties: { name: { type: 'STRING', nullable: true }, tags: { type: 'ARRAY', items: { type: 'STRING' } } }, propertyOrdering: ['name', 'tags'] };
  assert.deepEqual(g({ responseMimeType: 'application/json', responseSchema: schema }).body.response_format, {
    type: 'json_schema',
    json_schema: { name: 'response', schema: { type: 'object', properties: { name: { type: ['string', 'null'] }, tags: { type: 'array', items: { type: 'string' } } } } },
  });
  const jsonSchema = { type: 'object', properties: { a: { type: 'integer' } }, additionalProperties: false };
  assert.deepEqual(g({ responseJsonSchema: jsonSchema }).body.response_format, { type: 'json_schema', json_schema: { name: 'response', schema: jsonSchema } });
  assert.deepEqual(toJsonSchema({ type: 'INTEGER', format: 'int32' }), { type: 'integer', format: 'int32' });

  const effort = (thinkingConfig: unknown) => g({ thinkingConfig }).body.reasoning_effort;
  assert.deepEqual(
    [effort({ thinkingBudget: 0 }), effort({ thinkingBudget: 512 }), effort({ thinkingBudget: 4096 }), effort({ thinkingBudget: 24576 }), effort({ thinkingBudget: -1 }), effort({ thinkingLevel: 'HIGH' })],
    ['minimal', 'low', 'medium', 'high', undefined, 'high'],
  );
  assert.equal(g({ thinkingConfig: { includeThoughts: true } }).notes.includeThoughts, true);
  // a token budget is also said exactly for Anthropic, where its rules allow
  assert.deepEqual(g({ thinkingConfig: { thinkingBudget: 2048 } }).body.thinking, { type: 'enabled', budget_tokens: 2048 });
  assert.equal(g({ thinkingConfig: { thinkingBudget: 512 } }).body.thinking, undefined);
  assert.equal(g({ maxOutputTokens: 1000, thinkingConfig: { thinkingBudget: 2048 } }).body.thinking, undefined);
});

test('toolConfig modes → tool_choice', () => {
  const tools = [{ functionDeclarations: [{ name: 'f' }, { name: 'g' }] }];
  const choice = (functionCallingConfig: unknown) => toChatRequest({ ...user([{ text: 'x' }]), tools, toolConfig: { functionCallingConfig } }, 'm').body.tool_choice;
  assert.equal(choice({ mode: 'AUTO' }), 'auto');
  assert.equal(choice({ mode: 'NONE' }), 'none');
  assert.equal(choice({ mode: 'ANY' }), 'required');
  assert.deepEqual(choice({ mode: 'ANY', allowedFunctionNames: ['g'] }), { type: 'function', function: { name: 'g' } });
  const body = toChatRequest({ ...user([{ text: 'x' }]), tools }, 'm').body;
  assert.deepEqual(body.tools, [
    { type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } },
    { type: 'function', function: { name: 'g', parameters: { type: 'object', properties: {} } } },
  ]);
});

test('bad requests are 400s that say where', () => {
  const bad = (raw: unknown, pattern: RegExp) => assert.throws(() => toChatRequest(raw, 'm'), (e: Error & { status?: number }) => e.status === 400 && pattern.test(e.message));
  bad([], /JSON object/);
  bad({}, /contents is not specified/);
  bad({ contents: [{ role: 'system', parts: [{ text: 'x' }] }] }, /contents\[0\]\.role/);
  bad({ contents: [{ role: 'user', parts: 'x' }] }, /contents\[0\]\.parts/);
});

test('what only Gemini can do is not an error yet: a refusal, raised only where a provider needs the translation', () => {
  const refusal = (raw: unknown) => toChatRequest(raw, 'm').notes.refusal;
  assert.equal(refusal(user([{ text: 'x' }])), undefined);
  assert.match(refusal(user([{ text: 'x' }, { codeExecutionResult: { outcome: 'OUTCOME_OK' } }]))!.message, /^contents\[0\]\.parts\[1\]: a part with codeExecutionResult/);
  assert.match(refusal({ contents: [{ role: 'model', parts: [{ executableCode: { code: '1' } }] }] })!.message, /^contents\[0\]\.parts\[0\]: a model part with executableCode/);
  assert.match(refusal({ ...user([{ text: 'x' }]), cachedContent: 'cachedContents/abc' })!.message, /^cachedContent: /);
  assert.equal(refusal(user([{ text: 'x' }]))?.status, undefined);
  assert.equal(refusal({ ...user([{ text: 'x' }]), tools: [{ codeExecution: {} }] })?.status, 400);
});

test('a chat.completion → GenerateContentResponse: candidates per choice, the finishReason table, thoughts only when asked, ids and signatures', () => {
  const completion = {
    model: 'oa/gpt-4o-mini',
    choices: [
      { index: 0, message: { role: 'assistant', content: 'cut', reasoning_content: 'hmm' }, finish_reason: 'length' },
      { index: 1, message: { role: 'assistant', content: null, tool_calls: [{ id: 'fc1__ts_U0lH', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] }, finish_reason: 'tool_calls' },
      { index: 2, message: { role: 'assistant', content: '' }, finish_reason: 'content_filter' },
    ],
  };
  const res = toGenerateContentResponse(completion, { includeThoughts: true, responseId: 'req_1', estimate });
  assert.deepEqual(res.candidates, [
    { content: { role: 'model', parts: [{ text: 'hmm', thought: true }, { text: 'cut' }] }, finishReason: 'MAX_TOKENS', index: 0 },
    { content: { role: 'model', parts: [{ functionCall: { id: 'fc1', name: 'f', args: { a: 1 } }, thoughtSignature: 'U0lH' }] }, finishReason: 'STOP', index: 1 },
    { content: { role: 'model', parts: [{ text: '' }] }, finishReason: 'SAFETY', index: 2 },
  ]);
  assert.equal(res.modelVersion, 'oa/gpt-4o-mini');
  assert.deepEqual(res.usageMetadata, { promptTokenCount: 5, candidatesTokenCount: 0, totalTokenCount: 5 }, 'no usage reported: the estimate');
  const quiet = toGenerateContentResponse(completion, { includeThoughts: false, responseId: 'req_1', estimate });
  assert.deepEqual((quiet.candidates as { content: { parts: unknown[] } }[])[0]!.content.parts, [{ text: 'cut' }]);
});

test('errors: HTTP status → google.rpc status', () => {
  assert.deepEqual(
    [400, 401, 402, 403, 404, 413, 429, 499, 500, 502, 503, 504].map(rpcStatusFor),
    ['INVALID_ARGUMENT', 'UNAUTHENTICATED', 'RESOURCE_EXHAUSTED', 'PERMISSION_DENIED', 'NOT_FOUND', 'INVALID_ARGUMENT', 'RESOURCE_EXHAUSTED', 'CANCELLED', 'INTERNAL', 'UNAVAILABLE', 'UNAVAILABLE', 'DEADLINE_EXCEEDED'],
  );
  assert.deepEqual(geminiErrorFromOpenAI(429, { error: { message: 'slow down', code: 'rate_limited' } }), {
    error: { code: 429, message: 'slow down', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'RATE_LIMITED', domain: 'tokenhub' }] },
  });
});

/** Replays an OpenAI SSE fixture through the writer, as the route does. */
function replayOpenAI(raw: string, writer: GeminiResponseWriter): Record<string, any>[] {
  const decoder = new SseDecoder();
  const out: Record<string, any>[] = [];
  for (const ev of decoder.push(Buffer.from(raw, 'utf8'))) out.push(...writer.push(ev.data));
  for (const ev of decoder.end()) out.push(...writer.push(ev.data));
  out.push(...writer.end());
  return out;
}

test('a recorded OpenAI text stream → Gemini responses: text as it comes, then finishReason and usage once', () => {
  const writer = new GeminiResponseWriter({ includeThoughts: false, responseId: 'req_9', model: 'm', promptEstimate: 11 });
  const out = replayOpenAI(fixture('openai/chat-stream-hello.sse'), writer);
  assert.deepEqual(
    out.map((r) => r.candidates[0].content.parts.map((p: { text?: string }) => p.text).join('')),
    ['Hello', ''],
  );
  assert.equal(out[0]!.modelVersion, 'gpt-4o-mini');
  assert.equal(out[0]!.responseId, 'req_9');
  assert.equal(out.at(-1)!.candidates[0].finishReason, 'STOP');
  assert.deepEqual(out.at(-1)!.usageMetadata, { promptTokenCount: 11, candidatesTokenCount: 2, totalTokenCount: 13 }, 'estimated: the fixture has no usage');
  assert.deepEqual(writer.end(), [], 'the end is sent once');
});

test('stream: two choices become two candidates; an error chunk becomes a google.rpc error and ends the stream', () => {
  const writer = new GeminiResponseWriter({ includeThoughts: false, responseId: 'r', model: 'm', promptEstimate: 1 });
  const chunk = (choices: unknown[]) => JSON.stringify({ model: 'x', choices });
  assert.equal(writer.push(chunk([{ index: 0, delta: { content: 'a' } }, { index: 1, delta: { content: 'b' } }])).length, 1);
  writer.push(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }, { index: 1, delta: {}, finish_reason: 'length' }]));
  const [last] = writer.push('[DONE]') as Record<string, any>[];
  assert.deepEqual(last!.candidates.map((c: { finishReason: string }) => c.finishReason), ['STOP', 'MAX_TOKENS']);

  const failing = new GeminiResponseWriter({ includeThoughts: false, responseId: 'r', model: 'm', promptEstimate: 1 });
  const [err] = failing.push(JSON.stringify({ error: { message: 'all providers failed', type: 'api_error', code: 'upstream_unavailable' }, status: 502 })) as Record<string, any>[];
  assert.deepEqual(err!.error.status, 'UNAVAILABLE');
  assert.deepEqual(failing.end(), []);
  // the gateway's own break frame carries no status: the code says it
  const broken = new GeminiResponseWriter({ includeThoughts: false, responseId: 'r', model: 'm', promptEstimate: 1 });
  const [frame] = broken.push(JSON.stringify({ error: { message: 'the provider stopped sending', type: 'api_error', code: 'upstream_error' } })) as Record<string, any>[];
  assert.deepEqual([frame!.error.code, frame!.error.status], [502, 'UNAVAILABLE']);
});

test('framing: SSE events with CRLF, or one JSON array', () => {
  const a = { n: 1 };
  const b = { n: 2 };
  assert.equal(sseFraming.first(a) + sseFraming.next(b) + sseFraming.close(true), 'data: {"n":1}\r\n\r\ndata: {"n":2}\r\n\r\n');
  assert.deepEqual(JSON.parse(arrayFraming.first(a) + arrayFraming.next(b) + arrayFraming.close(true)), [a, b]);
  assert.deepEqual(JSON.parse(arrayFraming.close(false)), []);
});
