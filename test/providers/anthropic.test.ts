import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anthropicAdapter } from '../../src/providers/anthropic/index.js';
import { GatewayError } from '../../src/errors.js';
import { accumulate, fixture, fixtureJson, makeCtx, makeTarget, parseAll, replay } from './helpers.js';
import { SseDecoder } from '../../src/upstream/sse.js';

const target = makeTarget('anthropic', 'claude-sonnet-4-5', { max_output: 64000 });
const build = (body: Record<string, unknown>, stream = false) => {
  const call = anthropicAdapter.buildRequest('chat', { model: 'claude-sonnet-4-5', ...body }, target, makeCtx({ stream }));
  return { call, sent: JSON.parse(call.body ?? '{}') as Record<string, any> };
};

test('sends POST /v1/messages with x-api-key and anthropic-version', () => {
  const { call, sent } = build({ messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(call.method, 'POST');
  assert.equal(call.path, '/v1/messages');
  assert.equal(call.headers['x-api-key'], 'test-key');
  assert.equal(call.headers['anthropic-version'], '2023-06-01');
  assert.equal(call.headers.authorization, undefined);
  assert.equal(anthropicAdapter.defaultBaseUrl, 'https://api.anthropic.com');
  assert.deepEqual(sent.messages, [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
  assert.equal(sent.model, 'claude-sonnet-4-5');
});

test('defaults max_tokens from the model output cap, then 4096', () => {
  assert.equal(build({ messages: [{ role: 'user', content: 'x' }] }).sent.max_tokens, 64000);
  assert.equal(build({ messages: [{ role: 'user', content: 'x' }], max_tokens: 50 }).sent.max_tokens, 50);
  const bare = anthropicAdapter.buildRequest('chat', { model: 'm', messages: [{ role: 'user', content: 'x' }] }, makeTarget('anthropic', 'm'), makeCtx());
  assert.equal(JSON.parse(bare.body ?? '{}').max_tokens, 4096);
});

test('moves system messages to system and merges consecutive same-role turns', () => {
  const { sent } = build({
    messages: [
      { role: 'system', content: 'Be terse.' },
      { role: 'developer', content: [{ type: 'text', text: 'Use metric units.' }] },
      { role: 'user', content: 'one' },
      { role: 'user', content: 'two' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'three' },
    ],
    stop: 'END',
    temperature: 1.5,
    top_p: 0.9,
    stream: true,
  }, true);
  assert.equal(sent.system, 'Be terse.\n\nUse metric units.');
  assert.deepEqual(sent.messages.map((m: any) => m.role), ['user', 'assistant', 'user']);
  assert.equal(sent.messages[0].content.length, 2);
  assert.deepEqual(sent.stop_sequences, ['END']);
  assert.equal(sent.temperature, 1, 'OpenAI temperature above 1 is clamped to Anthropic range');
  assert.equal(sent.top_p, 0.9);
  assert.equal(sent.stream, true);
});

test('turns data URLs into base64 image blocks and https URLs into url blocks', () => {
  const { sent } = build({
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in these?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
        ],
      },
    ],
  });
  assert.deepEqual(sent.messages[0].content.slice(1), [
    { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
    { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
  ]);
});

test('maps tools, tool_choice and a tool-call round trip to tool_use/tool_result blocks', () => {
  const { sent } = build({
    messages: [
      { role: 'user', content: 'Weather in SF and the time?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"SF"}' } },
          { id: 'toolu_2', type: 'function', function: { name: 'get_time', arguments: '' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: '{"temp":18}' },
      { role: 'tool', tool_call_id: 'toolu_2', content: [{ type: 'text', text: '10:00' }] },
    ],
    tools: [
      { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } },
      { type: 'function', function: { name: 'get_time' } },
    ],
    tool_choice: 'required',
    parallel_tool_calls: false,
  });
  assert.deepEqual(sent.tools[0], { name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { location: { type: 'string' } } } });
  assert.deepEqual(sent.tools[1].input_schema, { type: 'object', properties: {} });
  assert.deepEqual(sent.tool_choice, { type: 'any', disable_parallel_tool_use: true });
  assert.deepEqual(sent.messages[1], {
    role: 'assistant',
    content: [
      { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'SF' } },
      { type: 'tool_use', id: 'toolu_2', name: 'get_time', input: {} },
    ],
  });
  assert.deepEqual(sent.messages[2], {
    role: 'user',
    content: [
      { type: 'tool_result', tool_use_id: 'toolu_1', content: '{"temp":18}' },
      { type: 'tool_result', tool_use_id: 'toolu_2', content: '10:00' },
    ],
  });
  const named = build({ messages: [{ role: 'user', content: 'x' }], tools: sent.tools.map((t: any) => ({ type: 'function', function: { name: t.name } })), tool_choice: { type: 'function', function: { name: 'get_time' } } });
  assert.deepEqual(named.sent.tool_choice, { type: 'tool', name: 'get_time' });
});

test('refuses embeddings and n > 1 with invalid_request_error', () => {
  assert.throws(() => anthropicAdapter.buildRequest('embeddings', { model: 'm', input: 'x' }, target, makeCtx()), (e: unknown) => e instanceof GatewayError && e.code === 'invalid_request_error');
  assert.throws(() => build({ messages: [{ role: 'user', content: 'x' }], n: 2 }), (e: unknown) => e instanceof GatewayError && e.param === 'n');
});

test('translates a text message to chat.completion with usage', () => {
  const { body, usage } = anthropicAdapter.parseResponse('chat', fixtureJson('anthropic/text.json'), target, makeCtx());
  const b = body as any;
  assert.equal(b.object, 'chat.completion');
  assert.equal(b.model, 'anthropic/claude-sonnet-4-5');
  assert.equal(b.choices[0].message.content, 'Hello! How can I help you today?');
  assert.equal(b.choices[0].finish_reason, 'stop');
  assert.deepEqual(usage, { promptTokens: 12, completionTokens: 10, cachedTokens: 0, cacheWriteTokens: 0 });
  assert.equal(b.usage.total_tokens, 22);
});

test('translates tool_use blocks to tool_calls with finish_reason tool_calls', () => {
  const b = anthropicAdapter.parseResponse('chat', fixtureJson('anthropic/tool-call.json'), target, makeCtx()).body as any;
  assert.equal(b.choices[0].finish_reason, 'tool_calls');
  assert.deepEqual(b.choices[0].message.tool_calls, [
    { id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' } },
  ]);
});

test('counts cache reads and writes as prompt tokens, reads as cached; max_tokens → length', () => {
  const { body, usage } = anthropicAdapter.parseResponse('chat', fixtureJson('anthropic/cache-usage.json'), target, makeCtx());
  assert.deepEqual(usage, { promptTokens: 21 + 1800 + 188, completionTokens: 8, cachedTokens: 1800, cacheWriteTokens: 188 });
  assert.equal((body as any).choices[0].finish_reason, 'length');
  assert.equal((body as any).usage.prompt_tokens_details.cached_tokens, 1800);
});

test('legacy completions come back as text_completion', () => {
  const call = anthropicAdapter.buildRequest('completions', { model: 'm', prompt: 'Say hi', max_tokens: 5 }, target, makeCtx());
  assert.deepEqual(JSON.parse(call.body ?? '{}').messages, [{ role: 'user', content: [{ type: 'text', text: 'Say hi' }] }]);
  const b = anthropicAdapter.parseResponse('completions', fixtureJson('anthropic/text.json'), target, makeCtx()).body as any;
  assert.equal(b.object, 'text_completion');
  assert.deepEqual(b.choices[0], { index: 0, text: 'Hello! How can I help you today?', logprobs: null, finish_reason: 'stop' });
});

test('streams text split at awkward places into chat.completion.chunks', () => {
  for (const sizes of [[1], [2, 5], [7, 3, 13], [4096]]) {
    const tr = anthropicAdapter.streamTranslator('chat', target, makeCtx({ stream: true }));
    const payloads = replay(fixture('anthropic/text.sse'), tr, sizes);
    const chunks = parseAll(payloads);
    // every chunk is compact JSON in the key order JSON.stringify gives (text chunks come from a template)
    for (const p of payloads) assert.equal(p, JSON.stringify(JSON.parse(p)));
    assert.ok(chunks.filter((c) => c.choices[0]?.delta?.content !== undefined).length >= 2, 'text chunks after the first');
    for (const c of chunks.slice(1)) if (c.choices[0]?.delta?.content !== undefined) assert.deepEqual(Object.keys(c.choices[0]), ['index', 'delta', 'logprobs', 'finish_reason']);
    assert.equal(chunks[0]?.choices[0]?.delta?.role, 'assistant');
    assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === 'msg_01Stream8ZxQ' && c.model === 'anthropic/claude-sonnet-4-5'));
    const acc = accumulate(chunks);
    assert.equal(acc.content, 'Hello, wörld! 👋');
    assert.equal(acc.finish, 'stop');
    assert.equal(chunks.some((c) => c.usage), false, 'no usage chunk unless the client asked');
    assert.deepEqual(tr.usage(), { promptTokens: 25, completionTokens: 15, cachedTokens: 0, cacheWriteTokens: 0 });
    assert.equal(tr.outputChars(), 'Hello, wörld! 👋'.length);
    assert.equal(tr.error(), null);
  }
});

test('streams tool_use with input_json_delta as SDK-shaped tool-call deltas', () => {
  const tr = anthropicAdapter.streamTranslator('chat', target, makeCtx({ stream: true, clientWantsUsage: true }));
  const chunks = parseAll(replay(fixture('anthropic/tool-call.sse'), tr));
  const acc = accumulate(chunks);
  assert.equal(acc.content, "Okay, let's check the weather for San Francisco, CA:");
  assert.equal(acc.finish, 'tool_calls');
  assert.deepEqual(acc.toolCalls, [
    { id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', args: '{"location": "San Francisco, CA", "unit": "fahrenheit"}' },
    { id: 'toolu_01Vh2Lq8cGmHqBnA1c3dG4Ej', name: 'get_time', args: '{}' },
  ]);
  const toolDeltas = chunks.flatMap((c) => c.choices.flatMap((ch) => ch.delta?.tool_calls ?? []));
  const first = toolDeltas.find((d) => d.index === 0);
  assert.deepEqual(first, { index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', type: 'function', function: { name: 'get_weather', arguments: '' } });
  for (const d of toolDeltas.filter((d) => !d.id)) assert.deepEqual(Object.keys(d).sort(), ['function', 'index']);
  const last = chunks[chunks.length - 1];
  assert.deepEqual(last?.choices, []);
  assert.deepEqual(last?.usage, { prompt_tokens: 472, completion_tokens: 89, total_tokens: 561, prompt_tokens_details: { cached_tokens: 0 } });
});

test('thinking deltas stream as reasoning_content, the signed block as thinking_blocks; cached usage in streams', () => {
  const tr = anthropicAdapter.streamTranslator('chat', target, makeCtx({ stream: true }));
  const chunks = parseAll(replay(fixture('anthropic/thinking-cached.sse'), tr));
  const acc = accumulate(chunks);
  assert.equal(acc.content, '4');
  const deltas = chunks.flatMap((c) => c.choices.map((ch) => ch.delta ?? {}));
  assert.equal(deltas.map((d) => d.reasoning_content ?? '').join(''), 'Two plus two is four.');
  assert.deepEqual(deltas.flatMap((d) => d.thinking_blocks ?? []), [
    { type: 'thinking', thinking: 'Two plus two is four.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' },
  ]);
  assert.equal(acc.finish, 'length');
  assert.deepEqual(tr.usage(), { promptTokens: 1054, completionTokens: 42, cachedTokens: 1024, cacheWriteTokens: 0 });
});

test('turns an error event mid-stream into an OpenAI error payload', () => {
  const tr = anthropicAdapter.streamTranslator('chat', target, makeCtx({ stream: true, clientWantsUsage: true }));
  const chunks = parseAll(replay(fixture('anthropic/stream-error.sse'), tr));
  const last = chunks[chunks.length - 1];
  assert.deepEqual(last?.error, { message: 'Overloaded', type: 'api_error', code: 'overloaded_error', param: null });
  assert.deepEqual(tr.error(), { message: 'Overloaded', type: 'api_error' });
  assert.equal(accumulate(chunks).content, 'Partial');
});

test('streams legacy completions as text_completion chunks', () => {
  const tr = anthropicAdapter.streamTranslator('completions', target, makeCtx({ stream: true, clientWantsUsage: true }));
  const chunks = parseAll(replay(fixture('anthropic/text.sse'), tr));
  assert.ok(chunks.every((c) => c.object === 'text_completion'));
  assert.equal(chunks.map((c) => c.choices[0]?.text ?? '').join(''), 'Hello, wörld! 👋');
  assert.equal(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason, 'stop');
  assert.equal(chunks[chunks.length - 1]?.usage?.completion_tokens, 15);
});

test('maps Anthropic error bodies into the OpenAI envelope', () => {
  const bad = anthropicAdapter.clientError(400, fixture('anthropic/invalid-request.json'));
  assert.equal(bad.status, 400);
  const err = JSON.parse(bad.body).error;
  assert.equal(err.type, 'invalid_request_error');
  assert.equal(err.code, 'invalid_request_error');
  assert.match(err.message, /roles must alternate/);
  const over = JSON.parse(anthropicAdapter.clientError(529, fixture('anthropic/overloaded.json')).body).error;
  assert.deepEqual(over, { message: 'Overloaded', type: 'api_error', code: 'overloaded_error', param: null });
  const text = JSON.parse(anthropicAdapter.clientError(404, 'no such thing').body).error;
  assert.equal(text.message, 'no such thing');
  assert.equal(text.code, 'not_found_error');
});

test('text deltas read by a pattern give what a parse gives: every stream fixture, and awkward texts, compact and spaced out', () => {
  const target = makeTarget('anthropic', 'claude-sonnet-4-5');
  const texts = ['Hello', '', 'é☃😀', 'say "hi"', 'a\nb', 'back\\slash', 'tab\there', '\u2028', '}}'];
  const generated = [
    'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","usage":{"input_tokens":3,"output_tokens":1}}}\n\n',
    'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
    ...texts.map((text) => `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })}\n\n`),
    'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
    'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":9}}\n\n',
    'event: message_stop\ndata: {"type":"message_stop"}\n\n',
  ].join('');
  const streams = [...['text', 'tool-call', 'thinking-tool-use', 'thinking-after-tool', 'thinking-cached', 'stream-error'].map((n) => fixture(`anthropic/${n}.sse`)), generated];
  for (const raw of streams) {
    const events = new SseDecoder().push(raw);
    for (const op of ['chat', 'completions'] as const) {
      const account = (spaced: boolean) => {
        const tr = anthropicAdapter.streamTranslator(op, target, makeCtx({ stream: true, clientWantsUsage: true }));
        const out = events.flatMap((ev) => tr.push(spaced && ev.data.startsWith('{') ? { ...ev, data: JSON.stringify(JSON.parse(ev.data), null, 1) } : ev));
        return { out: [...out, ...tr.end()], usage: tr.usage(), chars: tr.outputChars(), error: tr.error(), complete: tr.complete?.() };
      };
      assert.deepEqual(account(false), account(true), `${op}: ${raw.slice(0, 60)}`);
    }
  }
  // the pattern takes the plain texts only: a broken event is still refused as a parse refuses it
  const tr = anthropicAdapter.streamTranslator('chat', target, makeCtx({ stream: true }));
  assert.deepEqual(tr.push({ event: 'content_block_delta', id: undefined, data: '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\tb"}}' }), []);
});
