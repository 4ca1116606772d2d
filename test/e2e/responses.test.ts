import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { Response as OpenAIResponse, ResponseInputItem, Tool } from 'openai/resources/responses/responses';
import { startReplay, type ReplayServer } from '../fakes/replay.js';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

const TOOLS: Tool[] = [
  {
    type: 'function',
    name: 'get_current_weather',
    description: 'Get the current weather in a given location',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'], additionalProperties: false },
    strict: true,
  },
];

/** The chat fixture for a request: tool calls when tools are offered and no tool output came back yet. */
function chatFixture(body: Record<string, any>): string {
  const ext = body.stream ? 'sse' : 'json';
  const answered = (body.messages as { role: string }[]).some((m) => m.role === 'tool');
  if (body.max_completion_tokens === 1) return `openai/responses/chat-length.json`;
  return body.tools && !answered ? `openai/responses/chat-tool-call.${ext}` : `openai/responses/chat-text.${ext}`;
}

/** Fields the SDK's parsers add, and the creation second (which may tick between two calls). */
const SDK_ADDED = new Set(['parsed', 'output_parsed', 'parsed_arguments', 'created_at']);

/** Ids carry the request id: the same answer streamed and not differs only there. */
function sameShape(r: OpenAIResponse): unknown {
  const base = r.id.slice(5);
  return JSON.parse(JSON.stringify(r).replaceAll(base, 'ID'), (k, v) => (SDK_ADDED.has(k) ? undefined : v));
}

describe('POST /v1/responses through the openai SDK, translated to chat', () => {
  let upstream: ReplayServer;
  let claude: ReplayServer;
  let gw: TestGateway;
  let client: OpenAI;

  before(async () => {
    upstream = await startReplay((req) => ({ fixture: chatFixture(req.body) }));
    claude = await startReplay((req) => ({ fixture: `anthropic/tool-call.${req.body.stream ? 'sse' : 'json'}` }));
    gw = await startGateway({
      providers: {
        acme: fakeProvider(upstream.url, { 'gpt-4.1': { input: 2, output: 8, cached_input: 0.5 } }),
        claude: { type: 'anthropic', base_url: claude.url, api_key: 'sk-ant-upstream-0123456789', models: { 'claude-sonnet-4-5': { input: 3, output: 15 } } },
      },
    });
    client = gw.client;
  });
  after(async () => {
    await gw.close();
    await Promise.all([upstream.close(), claude.close()]);
  });

  test('responses.create: the Response shape, usage, and the chat body the provider got', async () => {
    const { data, response } = await client.responses
      .create({
        model: 'gpt-4.1',
        instructions: 'Be brief.',
        input: 'Hello!',
        max_output_tokens: 64,
        temperature: 0.2,
        top_p: 0.9,
        reasoning: { effort: 'low' },
        text: { format: { type: 'json_schema', name: 'greeting', schema: { type: 'object', properties: { text: { type: 'string' } } }, strict: true } },
        metadata: { ticket: 'T-1' },
        prompt_cache_key: 'tenant-7',
      })
      .withResponse();
    assert.match(data.id, /^resp_/);
    assert.equal(data.object, 'response');
    assert.equal(data.status, 'completed');
    assert.equal(data.model, 'acme/gpt-4.1');
    assert.equal(data.output_text, 'Hello! How can I assist you today?');
    assert.equal(data.output[0]!.type, 'message');
    assert.deepEqual(data.usage, { input_tokens: 19, input_tokens_details: { cached_tokens: 0 }, output_tokens: 10, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 29 });
    assert.equal(data.instructions, 'Be brief.');
    assert.deepEqual(data.metadata, { ticket: 'T-1' });

    const sent = upstream.requests.at(-1)!;
    assert.equal(sent.path, '/v1/chat/completions');
    assert.deepEqual(sent.body.messages, [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello!' }]);
    assert.equal(sent.body.max_completion_tokens, 64);
    assert.equal(sent.body.temperature, 0.2);
    assert.equal(sent.body.top_p, 0.9);
    assert.equal(sent.body.reasoning_effort, 'low');
    assert.equal(sent.body.response_format.type, 'json_schema');
    assert.equal(sent.body.response_format.json_schema.name, 'greeting');
    assert.deepEqual(sent.body.metadata, { ticket: 'T-1' });
    assert.equal(sent.body.prompt_cache_key, 'tenant-7');

    const requestId = response.headers.get('x-request-id');
    const records = (await gw.usage()).filter((r) => r.requestId === requestId);
    assert.equal(records.length, 1);
    assert.equal(records[0]!.endpoint, 'responses');
    assert.equal(records[0]!.promptTokens, 19);
    assert.ok(records[0]!.costUsd! > 0);
  });

  test('responses.stream: typed events in order with sequence numbers; finalResponse() equals the non-streamed Response', async () => {
    const stream = client.responses.stream({ model: 'gpt-4.1', input: 'Hello!' });
    const events: { type: string; sequence_number: number }[] = [];
    for await (const ev of stream) events.push(ev);
    const final = await stream.finalResponse();
    const types = events.map((e) => e.type);
    assert.deepEqual(types.slice(0, 4), ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
    assert.deepEqual(types.slice(-4), ['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
    assert.equal(types.filter((t) => t === 'response.output_text.delta').length, 9);
    assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i));
    const plain = await client.responses.create({ model: 'gpt-4.1', input: 'Hello!' });
    assert.deepEqual(sameShape(final), sameShape(plain));
  });

  test('each SSE frame names its event in an `event:` line equal to its type', async () => {
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4.1', input: 'Hello!', stream: true }),
    });
    assert.match(res.headers.get('content-type')!, /text\/event-stream/);
    const frames = (await res.text()).split('\n\n').filter(Boolean);
    for (const frame of frames) {
      const [eventLine, dataLine] = frame.split('\n');
      assert.equal(eventLine, `event: ${JSON.parse(dataLine!.slice(6)).type}`);
    }
    assert.match(frames.at(-1)!, /^event: response.completed\n/);
  });

  test('a tool-call round trip: function_call with call_id, then function_call_output answers it', async () => {
    const first = await client.responses.create({ model: 'gpt-4.1', input: 'Weather in Boston?', tools: TOOLS, tool_choice: 'auto', parallel_tool_calls: false, store: false });
    const call = first.output.find((o) => o.type === 'function_call');
    assert.ok(call && call.type === 'function_call');
    assert.equal(call.call_id, 'call_abc123');
    assert.equal(call.name, 'get_current_weather');
    assert.deepEqual(JSON.parse(call.arguments), { location: 'Boston, MA' });
    assert.equal(first.usage!.input_tokens_details.cached_tokens, 64);
    const sentTools = upstream.requests.at(-1)!.body;
    assert.deepEqual(sentTools.tools[0].function.name, 'get_current_weather');
    assert.equal(sentTools.tool_choice, 'auto');
    assert.equal(sentTools.parallel_tool_calls, false);

    const input: ResponseInputItem[] = [{ role: 'user', content: 'Weather in Boston?' }, call, { type: 'function_call_output', call_id: call.call_id, output: '{"temp_c": 21}' }];
    const second = await client.responses.create({ model: 'gpt-4.1', input, tools: TOOLS, store: false });
    assert.equal(second.output_text, 'Hello! How can I assist you today?');
    const messages = upstream.requests.at(-1)!.body.messages;
    assert.equal(messages[1].role, 'assistant');
    assert.equal(messages[1].tool_calls[0].id, 'call_abc123');
    assert.deepEqual(messages[2], { role: 'tool', tool_call_id: 'call_abc123', content: '{"temp_c": 21}' });

    const streamed = await client.responses.stream({ model: 'gpt-4.1', input: 'Weather in Boston?', tools: TOOLS, store: false }).finalResponse();
    const plain = await client.responses.create({ model: 'gpt-4.1', input: 'Weather in Boston?', tools: TOOLS, store: false });
    assert.deepEqual(sameShape(streamed), sameShape(plain));
  });

  test('max_output_tokens cut: status incomplete with incomplete_details, reasoning tokens reported and recorded', async () => {
    const { data: r, response } = await client.responses.create({ model: 'gpt-4.1', input: 'Write a script', max_output_tokens: 1 }).withResponse();
    assert.equal(r.status, 'incomplete');
    assert.deepEqual(r.incomplete_details, { reason: 'max_output_tokens' });
    assert.equal(r.usage!.output_tokens_details.reasoning_tokens, 256);
    const record = (await gw.usage()).find((u) => u.requestId === response.headers.get('x-request-id'))!;
    assert.deepEqual([record.promptTokens, record.completionTokens, record.reasoningTokens], [75, 300, 256]);
    // reasoning tokens are output tokens, priced as such: 75 × $2 + 300 × $8 per million
    assert.ok(Math.abs(record.costUsd! - (75 * 2 + 300 * 8) / 1e6) < 1e-12, String(record.costUsd));
  });

  test('cached input is recorded and priced at the cached price', async () => {
    const { response } = await client.responses.create({ model: 'gpt-4.1', input: 'Weather in Boston?', tools: TOOLS, store: false }).withResponse();
    const record = (await gw.usage()).find((u) => u.requestId === response.headers.get('x-request-id'))!;
    assert.deepEqual([record.promptTokens, record.cachedTokens, record.completionTokens], [82, 64, 17]);
    // 18 uncached × $2 + 64 cached × $0.5 + 17 output × $8 per million
    assert.ok(Math.abs(record.costUsd! - (18 * 2 + 64 * 0.5 + 17 * 8) / 1e6) < 1e-12, String(record.costUsd));
  });

  test('previous_response_id continues a stored conversation; GET, input_items and DELETE are scoped to the key', async () => {
    const first = await client.responses.create({ model: 'gpt-4.1', instructions: 'Be brief.', input: 'My name is Ada.' });
    const second = await client.responses.create({ model: 'gpt-4.1', input: 'What is my name?', previous_response_id: first.id });
    assert.equal(second.previous_response_id, first.id);
    assert.deepEqual(upstream.requests.at(-1)!.body.messages, [
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'Hello! How can I assist you today?' },
      { role: 'user', content: 'What is my name?' },
    ]);
    assert.deepEqual(await client.responses.retrieve(second.id).then(sameShape), sameShape(second));
    const items = await client.responses.inputItems.list(second.id, { order: 'asc' });
    assert.deepEqual(items.data.map((i) => i.type), ['message', 'message', 'message']);

    const other = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.mintKey({ name: 'other' }).key, maxRetries: 0 });
    await assert.rejects(other.responses.retrieve(second.id), (e: any) => e.status === 404 && e.error.code === 'not_found' && !JSON.stringify(e.error).includes('Ada'));
    await assert.rejects(other.responses.create({ model: 'gpt-4.1', input: 'and?', previous_response_id: second.id }), (e: any) => e.status === 404 && e.error.param === 'previous_response_id');
    await assert.rejects(other.responses.delete(second.id), (e: any) => e.status === 404);

    await client.responses.delete(second.id);
    await assert.rejects(client.responses.retrieve(second.id), (e: any) => e.status === 404);
    const unstored = await client.responses.create({ model: 'gpt-4.1', input: 'forget me', store: false });
    await assert.rejects(client.responses.retrieve(unstored.id), (e: any) => e.status === 404);
  });

  test('over an Anthropic provider: text and a function_call with the tool_use id as call_id, streamed and not', async () => {
    const tools: Tool[] = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } }, strict: false }];
    const r = await client.responses.create({ model: 'claude-sonnet-4-5', input: 'Weather in SF?', tools, max_output_tokens: 512 });
    assert.equal(r.output_text, "I'll check the weather in San Francisco for you.");
    const call = r.output.find((o) => o.type === 'function_call');
    assert.ok(call && call.type === 'function_call');
    assert.equal(call.call_id, 'toolu_01A09q90qw90lq917835lq9');
    assert.deepEqual(JSON.parse(call.arguments), { location: 'San Francisco, CA', unit: 'celsius' });
    assert.equal(r.usage!.input_tokens, 384);
    assert.equal(claude.requests.at(-1)!.body.max_tokens, 512);

    const streamed = await client.responses.stream({ model: 'claude-sonnet-4-5', input: 'Weather in SF?', tools, max_output_tokens: 512 }).finalResponse();
    const sCall = streamed.output.find((o) => o.type === 'function_call');
    assert.ok(sCall && sCall.type === 'function_call' && sCall.call_id.startsWith('toolu_'));
    assert.equal(streamed.status, 'completed');
  });
});
