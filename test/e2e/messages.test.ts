import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { sendJson, sseFrame, startSse } from '../fakes/openai-wire.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.js';
import { startFakeGemini, type FakeGemini } from '../fakes/gemini.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { eventually, fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

const CLAUDE = 'claude-haiku-4-5';
const TOOLS: Anthropic.Tool[] = [
  { name: 'get_weather', description: 'Current weather for a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
];
const ASK: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];

/** An OpenAI-style upstream that answers every chat request with one call of get_weather, streamed or not. */
async function startToolCallingOpenAI(): Promise<{ url: string; bodies: Record<string, any>[]; close(): Promise<void> }> {
  const bodies: Record<string, any>[] = [];
  const server: Server = createServer(async (req, res) => {
    let text = '';
    for await (const c of req) text += c;
    const body = JSON.parse(text) as Record<string, any>;
    bodies.push(body);
    const call = { id: 'call_w1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
    const usage = { prompt_tokens: 40, completion_tokens: 9, total_tokens: 49 };
    const base = { id: 'chatcmpl-t', object: 'chat.completion.chunk', created: 1, model: body.model };
    if (!body.stream) {
      const message = { role: 'assistant', content: null, tool_calls: [call] };
      return sendJson(res, 200, { ...base, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: 'tool_calls' }], usage });
    }
    startSse(res);
    const delta = (d: object, finish: string | null = null) => sseFrame({ ...base, choices: [{ index: 0, delta: d, finish_reason: finish }] });
    res.write(delta({ role: 'assistant', content: null, tool_calls: [{ index: 0, ...call, function: { name: 'get_weather', arguments: '' } }] }));
    for (const piece of ['{"ci', 'ty":"Par', 'is"}']) res.write(delta({ tool_calls: [{ index: 0, function: { arguments: piece } }] }));
    res.write(delta({}, 'tool_calls'));
    res.end(sseFrame({ ...base, choices: [], usage }) + sseFrame('[DONE]'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return { url, bodies, close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

describe('POST /v1/messages through the Anthropic SDK', () => {
  let openai: FakeOpenAI;
  let tools: Awaited<ReturnType<typeof startToolCallingOpenAI>>;
  let claude: FakeAnthropic;
  let gemini: FakeGemini;
  let gw: TestGateway;
  let client: Anthropic;

  before(async () => {
    [openai, tools, claude, gemini] = await Promise.all([startFakeOpenAI(), startToolCallingOpenAI(), startFakeAnthropic(), startFakeGemini()]);
    gw = await startGateway({
      providers: {
        acme: fakeProvider(openai.url, { 'gpt-fake': { input: 1, output: 2 } }),
        toolsmith: fakeProvider(tools.url, { 'gpt-tools': { input: 1, output: 2 } }),
        claude: { type: 'anthropic', base_url: claude.url, api_key: 'sk-ant-upstream-0123456789', models: { [CLAUDE]: { input: 3, output: 15, cached_input: 0.3 } } },
        google: { type: 'gemini', base_url: gemini.url, api_key: 'AIza-0123456789', models: { 'gemini-2.5-flash': { input: 0.3, output: 2.5 } } },
      },
      routes: { smart: { targets: ['acme/gpt-fake'], fallback: [`claude/${CLAUDE}`] } },
    });
    client = new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await Promise.all([openai.close(), tools.close(), claude.close(), gemini.close()]);
  });

  test('messages.create over an OpenAI upstream: text, end_turn, usage, served model; the upstream gets an OpenAI body', async () => {
    openai.setReply(() => ({}));
    const { data, response } = await client.messages
      .create({
        model: 'gpt-fake',
        max_tokens: 200,
        system: [{ type: 'text', text: 'Be terse.' }],
        messages: [
          { role: 'user', content: 'Name a colour.' },
          { role: 'assistant', content: 'Blue.' },
          { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] },
        ],
        stop_sequences: ['END'],
        // sampling fields this SDK's types no longer list, but clients still send
        ...({ temperature: 0.4, top_p: 0.9 } as object),
        metadata: { user_id: 'u-1' },
      })
      .withResponse();
    assert.equal(data.type, 'message');
    assert.match(data.id, /^msg_/);
    assert.equal(data.model, 'acme/gpt-fake');
    assert.deepEqual(data.content, [{ type: 'text', text: 'Hello from the fake' }]);
    assert.equal(data.stop_reason, 'end_turn');
    assert.equal(data.usage.input_tokens, 13);
    assert.equal(data.usage.output_tokens, 4);
    assert.equal(response.headers.get('x-inferoute-provider'), 'acme');
    assert.equal(response.headers.get('request-id'), response.headers.get('x-inferoute-request-id'));
    const sent = openai.requests.at(-1)!;
    assert.equal(sent.path, '/v1/chat/completions');
    assert.deepEqual(sent.body.messages, [
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: 'Name a colour.' },
      { role: 'assistant', content: 'Blue.' },
      { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] },
    ]);
    assert.equal(sent.body.max_tokens, 200);
    assert.deepEqual(sent.body.stop, ['END']);
    assert.equal(sent.body.temperature, 0.4);
    assert.equal(sent.body.top_p, 0.9);
    assert.equal(sent.body.user, 'u-1');
    assert.equal(sent.body.metadata, undefined);
  });

  test('a Bearer token (ANTHROPIC_AUTH_TOKEN) works as well as x-api-key', async () => {
    const bearer = new Anthropic({ baseURL: gw.url, authToken: gw.key, maxRetries: 0 });
    const msg = await bearer.messages.create({ model: 'gpt-fake', max_tokens: 10, messages: ASK });
    assert.equal(msg.content[0]!.type, 'text');
  });

  test('streams the exact Anthropic event sequence; finalMessage() has the text and the reported usage', async () => {
    openai.setReply(() => ({ sliceBytes: 7 }));
    const stream = client.messages.stream({ model: 'gpt-fake', max_tokens: 50, messages: ASK });
    const types: string[] = [];
    stream.on('streamEvent', (ev) => types.push(ev.type));
    const final = await stream.finalMessage();
    assert.deepEqual(types, ['message_start', 'content_block_start', ...Array(4).fill('content_block_delta'), 'content_block_stop', 'message_delta', 'message_stop']);
    assert.equal(final.content.length, 1);
    assert.equal((final.content[0] as Anthropic.TextBlock).text, 'Hello from the fake');
    assert.equal(final.stop_reason, 'end_turn');
    assert.equal(final.usage.input_tokens, 13);
    assert.equal(final.usage.output_tokens, 4);
    assert.equal(openai.requests.at(-1)!.body.stream_options.include_usage, true);
  });

  test('usage records and key limits apply as on /v1/chat/completions', async () => {
    openai.setReply(() => ({}));
    const limited = gw.mintKey({ name: 'one-a-minute', rpm: 1 });
    const c = new Anthropic({ baseURL: gw.url, apiKey: limited.key, maxRetries: 0 });
    await c.messages.create({ model: 'gpt-fake', max_tokens: 10, messages: ASK });
    await assert.rejects(c.messages.create({ model: 'gpt-fake', max_tokens: 10, messages: ASK }), (err) => {
      assert.ok(err instanceof Anthropic.RateLimitError);
      assert.equal((err.error as any).error.type, 'rate_limit_error');
      assert.ok(Number(err.headers?.get('retry-after')) > 0);
      return true;
    });
    const records = (await gw.usage()).filter((r) => r.keyId === limited.id);
    assert.deepEqual(records.map((r) => r.status), [200, 429]);
    assert.deepEqual(records.map((r) => r.endpoint), ['messages', 'messages']);
    assert.equal(records[0]!.provider, 'acme');
    assert.equal(records[0]!.promptTokens, 13);
    assert.ok(records[0]!.costUsd! > 0);
  });

  test('tool use round trip over an OpenAI upstream, streamed: tool_use with parsed input, then tool_result as a tool message', async () => {
    const first = await client.messages.stream({ model: 'gpt-tools', max_tokens: 100, messages: ASK, tools: TOOLS, tool_choice: { type: 'any', disable_parallel_tool_use: true } }).finalMessage();
    assert.equal(first.stop_reason, 'tool_use');
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
    assert.deepEqual([use.id, use.name, use.input], ['call_w1', 'get_weather', { city: 'Paris' }]);
    const sentTools = tools.bodies.at(-1)!;
    assert.deepEqual(sentTools.tools, [{ type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: TOOLS[0]!.input_schema } }]);
    assert.equal(sentTools.tool_choice, 'required');
    assert.equal(sentTools.parallel_tool_calls, false);

    const second = await client.messages.create({
      model: 'gpt-tools',
      max_tokens: 100,
      tools: TOOLS,
      messages: [...ASK, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18°C, sunny' }, { type: 'text', text: 'Thanks' }] }],
    });
    assert.equal(second.content[0]!.type, 'tool_use');
    assert.deepEqual(tools.bodies.at(-1)!.messages.slice(1), [
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_w1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'call_w1', content: '18°C, sunny' },
      { role: 'user', content: 'Thanks' },
    ]);
  });

  test('over an Anthropic upstream (native): text, cache usage and max_tokens arrive', async () => {
    claude.setReply(() => ({ stopReason: 'max_tokens', usage: { input_tokens: 10, output_tokens: 7, cache_read_input_tokens: 30, cache_creation_input_tokens: 0 } }));
    const msg = await client.messages.create({ model: CLAUDE, max_tokens: 7, system: 'Be brief.', messages: ASK });
    assert.equal(msg.model, `claude/${CLAUDE}`);
    assert.equal((msg.content[0] as Anthropic.TextBlock).text, 'Hello from Claude');
    assert.equal(msg.stop_reason, 'max_tokens');
    assert.deepEqual([msg.usage.input_tokens, msg.usage.cache_read_input_tokens, msg.usage.output_tokens], [10, 30, 7]);
    const sent = claude.requests.at(-1)!.body;
    assert.equal(sent.system, 'Be brief.');
    assert.equal(sent.max_tokens, 7);
  });

  test('tool use round trip over an Anthropic upstream, streamed: input_json_delta in, tool_result block out', async () => {
    claude.setReply(() => ({ toolCalls: [{ id: 'toolu_9', name: 'get_weather', input: { city: 'Paris' } }], sliceBytes: 5 }));
    const first = await client.messages.stream({ model: CLAUDE, max_tokens: 100, messages: ASK, tools: TOOLS }).finalMessage();
    assert.equal(first.stop_reason, 'tool_use');
    assert.deepEqual(first.content.map((b) => b.type), ['tool_use']);
    assert.deepEqual((first.content[0] as Anthropic.ToolUseBlock).input, { city: 'Paris' });
    claude.setReply(() => ({ pieces: ['It is 18°C.'] }));
    const second = await client.messages.create({
      model: CLAUDE,
      max_tokens: 100,
      tools: TOOLS,
      messages: [...ASK, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: [{ type: 'text', text: '18°C' }] }] }],
    });
    assert.equal((second.content[0] as Anthropic.TextBlock).text, 'It is 18°C.');
    const sent = claude.requests.at(-1)!.body;
    assert.deepEqual(sent.messages[1].content, [{ type: 'tool_use', id: 'toolu_9', name: 'get_weather', input: { city: 'Paris' } }]);
    // served natively: the client's own blocks arrive as sent
    assert.deepEqual(sent.messages[2].content, [{ type: 'tool_result', tool_use_id: 'toolu_9', content: [{ type: 'text', text: '18°C' }] }]);
    assert.equal(sent.tools[0].name, 'get_weather');
  });

  test('over a Gemini upstream, streamed: the same Anthropic events and a final message', async () => {
    const final = await client.messages.stream({ model: 'gemini-2.5-flash', max_tokens: 30, system: 'Be brief.', messages: ASK }).finalMessage();
    assert.equal(final.model, 'google/gemini-2.5-flash');
    assert.equal((final.content[0] as Anthropic.TextBlock).text, 'Hello from Gemini');
    assert.equal(final.stop_reason, 'end_turn');
    assert.equal(final.usage.input_tokens, 17);
    assert.ok(final.usage.output_tokens >= 6);
    assert.match(gemini.requests.at(-1)!.path, /streamGenerateContent/);
  });

  test('falls back across provider types: an OpenAI 503 is served by the Anthropic fallback', async () => {
    openai.setReply(() => ({ status: 503 }));
    claude.setReply(() => ({}));
    const { data, response } = await client.messages.create({ model: 'smart', max_tokens: 20, messages: ASK }).withResponse();
    assert.equal(response.headers.get('x-inferoute-provider'), 'claude');
    assert.equal(data.model, `claude/${CLAUDE}`);
    openai.setReply(() => ({}));
  });

  test('errors arrive in Anthropic shape as the SDK error classes', async () => {
    const bad = new Anthropic({ baseURL: gw.url, apiKey: 'sk-th-wrongwrongwrongwrongwrongwrongwrong', maxRetries: 0 });
    const expectError = async (p: Promise<unknown>, cls: new (...a: any[]) => Error, type: string, message?: RegExp) =>
      assert.rejects(p, (thrown: unknown) => {
        const err: { error: any; constructor?: { name: string }; message?: string } = thrown as any;
        assert.ok(err instanceof cls, `${err?.constructor?.name}: ${err?.message}`);
        assert.equal(err.error.type, 'error');
        assert.equal(err.error.error.type, type);
        if (message) assert.match(err.error.error.message, message);
        return true;
      });
    await expectError(bad.messages.create({ model: 'gpt-fake', max_tokens: 5, messages: ASK }), Anthropic.AuthenticationError, 'authentication_error');
    await expectError(client.messages.create({ model: 'nope', max_tokens: 5, messages: ASK }), Anthropic.NotFoundError, 'not_found_error');
    await expectError(client.messages.create({ model: 'gpt-fake', messages: ASK } as any), Anthropic.BadRequestError, 'invalid_request_error', /max_tokens/);
    const narrow = new Anthropic({ baseURL: gw.url, apiKey: gw.mintKey({ models: ['claude/*'] }).key, maxRetries: 0 });
    await expectError(narrow.messages.create({ model: 'gpt-fake', max_tokens: 5, messages: ASK }), Anthropic.PermissionDeniedError, 'permission_error');
    claude.setReply(() => ({ status: 400, errorType: 'invalid_request_error', errorMessage: 'messages.0: bad thing' }));
    await expectError(client.messages.create({ model: CLAUDE, max_tokens: 5, messages: ASK }), Anthropic.BadRequestError, 'invalid_request_error', /bad thing/);
    claude.setReply(() => ({ status: 529, errorType: 'overloaded_error', errorMessage: 'Overloaded' }));
    await expectError(client.messages.create({ model: CLAUDE, max_tokens: 5, messages: ASK }), Anthropic.InternalServerError, 'api_error');
    claude.setReply(() => ({ streamError: { type: 'overloaded_error', message: 'Overloaded mid-stream' } }));
    await assert.rejects(client.messages.stream({ model: CLAUDE, max_tokens: 5, messages: ASK }).finalMessage(), (err: any) => {
      assert.ok(err instanceof Anthropic.APIError);
      assert.equal(err.error.error.type, 'overloaded_error');
      return true;
    });
    claude.setReply(() => ({}));
  });

  test('a client hanging up mid-stream stops the upstream and still leaves a usage record', async () => {
    openai.setReply(() => ({ pieces: Array(50).fill('word '), chunkDelayMs: 20 }));
    const abort = new AbortController();
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': gw.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-fake', max_tokens: 100, stream: true, messages: ASK }),
      signal: abort.signal,
    });
    const requestId = res.headers.get('x-inferoute-request-id');
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('text_delta')) seen += new TextDecoder().decode((await reader.read()).value);
    assert.match(seen, /^event: message_start\n/);
    const abortedBefore = openai.aborted;
    abort.abort();
    await eventually(() => openai.aborted === abortedBefore + 1);
    await eventually(async () => (await gw.usage()).some((r) => r.requestId === requestId));
    const record = (await gw.usage()).find((r) => r.requestId === requestId)!;
    assert.equal(record.status, 499);
    assert.ok(record.completionTokens > 0);
    openai.setReply(() => ({}));
  });

  test('count_tokens answers with an estimate without calling a provider', async () => {
    const before = openai.requests.length + claude.requests.length;
    const res = await client.messages.countTokens({ model: 'gpt-fake', system: 'You are terse.', messages: [{ role: 'user', content: 'x'.repeat(400) }], tools: TOOLS });
    assert.ok(res.input_tokens > 100 && res.input_tokens < 200, String(res.input_tokens));
    assert.equal(openai.requests.length + claude.requests.length, before);
  });
});
