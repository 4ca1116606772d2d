import { test } from 'node:test';
import assert from 'node:assert/strict';
import { geminiAdapter } from '../../src/providers/gemini/index.js';
import { decodeToolCallId, SKIP_SIGNATURE } from '../../src/providers/gemini/ids.js';
import { GatewayError } from '../../src/errors.js';
import { accumulate, fixture, fixtureJson, makeCtx, makeTarget, parseAll, replay } from './helpers.js';

const target = makeTarget('gemini', 'gemini-2.5-flash');
const SIG = 'CiQBVKhc7vB+ZmV5ZlJtQ2xkU1dQY2pSb0Z0YlFQR3c9PQ==';
const build = (body: Record<string, unknown>, stream = false) => {
  const call = geminiAdapter.buildRequest('chat', { model: 'gemini-2.5-flash', ...body }, target, makeCtx({ stream }));
  return { call, sent: JSON.parse(call.body ?? '{}') as Record<string, any> };
};

test('sends generateContent, or streamGenerateContent?alt=sse, with x-goog-api-key', () => {
  const plain = build({ messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(plain.call.path, '/v1beta/models/gemini-2.5-flash:generateContent');
  assert.equal(plain.call.headers['x-goog-api-key'], 'test-key');
  assert.equal(plain.call.headers.authorization, undefined);
  assert.deepEqual(plain.sent, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
  assert.equal(build({ messages: [{ role: 'user', content: 'hi' }] }, true).call.path, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
  assert.equal(geminiAdapter.defaultBaseUrl, 'https://generativelanguage.googleapis.com');
});

test('moves system to systemInstruction, assistant to model and maps generationConfig', () => {
  const { sent } = build({
    messages: [
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: 'one' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'two' },
    ],
    temperature: 0.2,
    top_p: 0.8,
    max_tokens: 100,
    stop: ['END', 'STOP'],
    n: 2,
    response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false } } },
  });
  assert.deepEqual(sent.systemInstruction, { parts: [{ text: 'Be terse.' }] });
  assert.deepEqual(sent.contents.map((c: any) => c.role), ['user', 'model', 'user']);
  assert.deepEqual(sent.generationConfig, {
    temperature: 0.2,
    topP: 0.8,
    maxOutputTokens: 100,
    stopSequences: ['END', 'STOP'],
    candidateCount: 2,
    responseMimeType: 'application/json',
    responseJsonSchema: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false },
  });
  assert.deepEqual(build({ messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' } }).sent.generationConfig, { responseMimeType: 'application/json' });
});

test('maps images to inlineData and fileData', () => {
  const { sent } = build({
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Compare' },
          { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png?size=2' } },
        ],
      },
    ],
  });
  assert.deepEqual(sent.contents[0].parts, [
    { text: 'Compare' },
    { inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } },
    { fileData: { mimeType: 'image/png', fileUri: 'https://example.com/cat.png?size=2' } },
  ]);
});

test('maps tools and tool_choice to functionDeclarations and toolConfig', () => {
  const params = { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] };
  const { sent } = build({
    messages: [{ role: 'user', content: 'x' }],
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: params } }],
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
  });
  assert.deepEqual(sent.tools, [{ functionDeclarations: [{ name: 'get_weather', description: 'Weather', parametersJsonSchema: params }] }]);
  assert.deepEqual(sent.toolConfig, { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } });
});

test('round-trips tool calls: ids carry the thought signature back, tool results find their names', () => {
  const first = geminiAdapter.parseResponse('chat', fixtureJson('gemini/tool-call.json'), target, makeCtx()).body as any;
  const calls = first.choices[0].message.tool_calls;
  assert.equal(first.choices[0].finish_reason, 'tool_calls');
  assert.equal(calls.length, 2);
  assert.equal(new Set(calls.map((c: any) => c.id)).size, 2, 'ids are unique');
  assert.deepEqual(decodeToolCallId(calls[0].id), { geminiId: undefined, signature: SIG });
  assert.equal(calls[0].function.arguments, '{"location":"Boston, MA","unit":"celsius"}');
  const { sent } = build({
    messages: [
      { role: 'user', content: 'Weather and time in Boston?' },
      first.choices[0].message,
      { role: 'tool', tool_call_id: calls[0].id, content: '{"temp":21}' },
      { role: 'tool', tool_call_id: calls[1].id, content: '3pm' },
    ],
  });
  assert.deepEqual(sent.contents[1], {
    role: 'model',
    parts: [
      { functionCall: { name: 'get_weather', args: { location: 'Boston, MA', unit: 'celsius' } }, thoughtSignature: SIG },
      { functionCall: { name: 'get_time', args: { timezone: 'America/New_York' } } },
    ],
  });
  assert.deepEqual(sent.contents[2], {
    role: 'user',
    parts: [
      { functionResponse: { name: 'get_weather', response: { temp: 21 } } },
      { functionResponse: { name: 'get_time', response: { result: '3pm' } } },
    ],
  });
});

test('marks replayed calls without a signature with Google\'s stand-in', () => {
  const { sent } = build({
    messages: [
      { role: 'user', content: 'x' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'call_abc', content: 'done' },
    ],
  });
  assert.equal(sent.contents[1].parts[0].thoughtSignature, SKIP_SIGNATURE);
  assert.equal(sent.contents[2].parts[0].functionResponse.name, 'f');
});

test('translates text, finish reasons and usage with thoughts counted as completion', () => {
  const { body, usage } = geminiAdapter.parseResponse('chat', fixtureJson('gemini/text.json'), target, makeCtx());
  const b = body as any;
  assert.equal(b.object, 'chat.completion');
  assert.equal(b.model, 'gemini/gemini-2.5-flash');
  assert.equal(b.choices[0].message.content, 'Hello! How can I help you today?');
  assert.equal(b.choices[0].finish_reason, 'stop');
  assert.deepEqual(usage, { promptTokens: 9, completionTokens: 35, cachedTokens: 0, reasoningTokens: 26 });
  assert.equal(b.usage.completion_tokens_details.reasoning_tokens, 26);
  const tools = geminiAdapter.parseResponse('chat', fixtureJson('gemini/tool-call.json'), target, makeCtx()).usage;
  assert.deepEqual(tools, { promptTokens: 120, completionTokens: 30, cachedTokens: 64 });
});

test('maps SAFETY and blocked prompts to content_filter, MAX_TOKENS with n=2 to length', () => {
  const safety = geminiAdapter.parseResponse('chat', fixtureJson('gemini/safety.json'), target, makeCtx()).body as any;
  assert.equal(safety.choices[0].finish_reason, 'content_filter');
  const blocked = geminiAdapter.parseResponse('chat', fixtureJson('gemini/blocked-prompt.json'), target, makeCtx()).body as any;
  assert.equal(blocked.choices[0].finish_reason, 'content_filter');
  const two = geminiAdapter.parseResponse('chat', fixtureJson('gemini/max-tokens-n2.json'), target, makeCtx()).body as any;
  assert.deepEqual(two.choices.map((c: any) => [c.index, c.message.content, c.finish_reason]), [[0, 'Once upon', 'length'], [1, 'There was', 'length']]);
});

test('streams text split at awkward places, CRLF framing included', () => {
  for (const sizes of [[1], [3, 2], [7, 3, 13], [8192]]) {
    const tr = geminiAdapter.streamTranslator('chat', target, makeCtx({ stream: true }));
    const chunks = parseAll(replay(fixture('gemini/text.sse'), tr, sizes));
    assert.equal(chunks[0]?.choices[0]?.delta?.role, 'assistant');
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === 'sTrEaM1dEx4mPlE'));
    const acc = accumulate(chunks);
    assert.equal(acc.content, 'Hello, wörld! 👋 How can I help?');
    assert.equal(acc.finish, 'stop');
    assert.equal(chunks.some((c) => c.usage), false);
    assert.deepEqual(tr.usage(), { promptTokens: 8, completionTokens: 32, cachedTokens: 0, reasoningTokens: 21 });
  }
});

test('streams function calls as complete SDK-shaped tool-call deltas with a usage chunk', () => {
  const tr = geminiAdapter.streamTranslator('chat', target, makeCtx({ stream: true, clientWantsUsage: true }));
  const chunks = parseAll(replay(fixture('gemini/tool-call.sse'), tr));
  const acc = accumulate(chunks);
  assert.equal(acc.content, 'Let me look that up.');
  assert.equal(acc.finish, 'tool_calls');
  assert.deepEqual(acc.toolCalls.map((t) => [t.name, t.args]), [['get_weather', '{"location":"Boston, MA"}'], ['get_time', '{}']]);
  assert.equal(decodeToolCallId(acc.toolCalls[0]?.id ?? '').signature, SIG);
  const deltas = chunks.flatMap((c) => c.choices.flatMap((ch) => ch.delta?.tool_calls ?? []));
  assert.deepEqual(deltas.map((d) => [d.index, d.type]), [[0, 'function'], [1, 'function']]);
  const last = chunks[chunks.length - 1];
  assert.deepEqual(last?.choices, []);
  assert.equal(last?.usage?.prompt_tokens_details.cached_tokens, 32);
  assert.deepEqual(tr.usage(), { promptTokens: 95, completionTokens: 24, cachedTokens: 32 });
});

test('streams two candidates as two choices, each with its own role and finish', () => {
  const tr = geminiAdapter.streamTranslator('chat', target, makeCtx({ stream: true }));
  const chunks = parseAll(replay(fixture('gemini/two-candidates.sse'), tr));
  const byChoice = [0, 1].map((i) => accumulate(chunks.map((c) => ({ ...c, choices: c.choices.filter((ch) => ch.index === i) }))));
  assert.deepEqual(byChoice.map((a) => [a.content, a.finish]), [['Roses are red', 'stop'], ['Violets are blue', 'length']]);
  const roles = chunks.flatMap((c) => c.choices.filter((ch) => ch.delta?.role).map((ch) => ch.index));
  assert.deepEqual(roles, [0, 1]);
});

test('streams a blocked prompt as one content_filter choice', () => {
  const tr = geminiAdapter.streamTranslator('chat', target, makeCtx({ stream: true }));
  const acc = accumulate(parseAll(replay(fixture('gemini/blocked-prompt.sse'), tr)));
  assert.deepEqual([acc.content, acc.finish], ['', 'content_filter']);
  assert.deepEqual(tr.usage(), { promptTokens: 7, completionTokens: 0, cachedTokens: 0 });
});

test('turns an error object mid-stream into an OpenAI error payload', () => {
  const tr = geminiAdapter.streamTranslator('chat', target, makeCtx({ stream: true }));
  const chunks = parseAll(replay(fixture('gemini/stream-error.sse'), tr));
  assert.deepEqual(chunks[chunks.length - 1]?.error, { message: 'The model is overloaded. Please try again later.', type: 'api_error', code: 'unavailable', param: null });
  assert.equal(tr.error()?.type, 'api_error');
});

test('legacy completions: prompt becomes a user turn, answers come back as text_completion', () => {
  const call = geminiAdapter.buildRequest('completions', { model: 'm', prompt: ['Say hi'], max_tokens: 5 }, target, makeCtx());
  assert.deepEqual(JSON.parse(call.body ?? '{}'), { contents: [{ role: 'user', parts: [{ text: 'Say hi' }] }], generationConfig: { maxOutputTokens: 5 } });
  const b = geminiAdapter.parseResponse('completions', fixtureJson('gemini/text.json'), target, makeCtx()).body as any;
  assert.deepEqual(b.choices[0], { index: 0, text: 'Hello! How can I help you today?', logprobs: null, finish_reason: 'stop' });
  const tr = geminiAdapter.streamTranslator('completions', target, makeCtx({ stream: true }));
  const chunks = parseAll(replay(fixture('gemini/text.sse'), tr));
  assert.ok(chunks.every((c) => c.object === 'text_completion'));
  assert.equal(chunks.map((c) => c.choices[0]?.text).join(''), 'Hello, wörld! 👋 How can I help?');
});

test('embeddings go through batchEmbedContents, as floats or base64', () => {
  const ctx = makeCtx();
  const call = geminiAdapter.buildRequest('embeddings', { model: 'text-embedding-004', input: ['a', 'b'], dimensions: 4 }, makeTarget('gemini', 'text-embedding-004'), ctx);
  assert.equal(call.path, '/v1beta/models/text-embedding-004:batchEmbedContents');
  assert.deepEqual(JSON.parse(call.body ?? '{}').requests[0], { model: 'models/text-embedding-004', content: { parts: [{ text: 'a' }] }, outputDimensionality: 4 });
  const floats = geminiAdapter.parseResponse('embeddings', fixtureJson('gemini/embeddings.json'), target, ctx).body as any;
  assert.deepEqual(floats.data[1].embedding, [-0.0052412287, 0.0191245, -0.022051042, 0.0127]);
  const b64ctx = makeCtx();
  geminiAdapter.buildRequest('embeddings', { model: 'e', input: 'a', encoding_format: 'base64' }, target, b64ctx);
  const b64 = geminiAdapter.parseResponse('embeddings', fixtureJson('gemini/embeddings.json'), target, b64ctx).body as any;
  const buf = Buffer.from(b64.data[0].embedding, 'base64');
  const back = Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4));
  assert.deepEqual(back, Array.from(Float32Array.from([0.013168517, -0.00871193, -0.046782672, 0.00069969177])));
  assert.throws(() => geminiAdapter.buildRequest('embeddings', { model: 'e', input: [[1, 2]] }, target, makeCtx()), GatewayError);
});

test('maps Gemini error bodies into the OpenAI envelope', () => {
  const bad = JSON.parse(geminiAdapter.clientError(400, fixture('gemini/error-400.json')).body).error;
  assert.equal(bad.type, 'invalid_request_error');
  assert.equal(bad.code, 'invalid_argument');
  assert.match(bad.message, /contents is not specified/);
  const quota = JSON.parse(geminiAdapter.clientError(429, fixture('gemini/error-429.json')).body).error;
  assert.equal(quota.type, 'rate_limit_error');
  const wrapped = JSON.parse(geminiAdapter.clientError(400, `[${fixture('gemini/error-400.json')}]`).body).error;
  assert.equal(wrapped.code, 'invalid_argument');
  assert.equal(JSON.parse(geminiAdapter.clientError(404, 'nope').body).error.code, 'not_found');
});

test('reasoning controls become thinkingConfig: reasoning_effort by the table, an Anthropic-style budget as given', () => {
  const msgs = [{ role: 'user', content: 'Sum the first 50 primes.' }];
  assert.deepEqual(build({ messages: msgs, reasoning_effort: 'high' }).sent.generationConfig, { thinkingConfig: { thinkingBudget: 24576, includeThoughts: true } });
  assert.deepEqual(build({ messages: msgs, reasoning_effort: 'minimal' }).sent.generationConfig, { thinkingConfig: { thinkingBudget: 0 } });
  assert.deepEqual(build({ messages: msgs, thinking: { type: 'enabled', budget_tokens: 3000 } }).sent.generationConfig, {
    thinkingConfig: { thinkingBudget: 3000, includeThoughts: true },
  });
  assert.equal(build({ messages: msgs }).sent.generationConfig, undefined);
});

test('thought summaries come back as reasoning_content, in answers and in stream deltas', () => {
  const out = geminiAdapter.parseResponse('chat', fixtureJson('gemini/thought-summary.json'), target, makeCtx());
  const message = (out.body as any).choices[0].message;
  assert.equal(message.content, 'The sum of the first 50 prime numbers is 5117.');
  assert.match(message.reasoning_content, /^\*\*Calculating the total\*\*/);
  assert.equal(out.usage?.reasoningTokens, 410);
  const chunks = parseAll(replay(fixture('gemini/thought-summary.sse'), geminiAdapter.streamTranslator('chat', target, makeCtx({ stream: true }))));
  const reasoning = chunks.map((c: any) => c.choices?.[0]?.delta?.reasoning_content ?? '').join('');
  assert.match(reasoning, /I'll list the primes/);
  assert.equal(accumulate(chunks).content, 'The sum of the first 50 prime numbers is 5117.');
});
