/**
 * /v1/messages served by Anthropic providers: no translation. The fake replays recorded
 * Anthropic answers (test/fixtures/anthropic/) and records what arrived.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeAnthropic, withRequestedModel, type FakeAnthropic } from '../fakes/anthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';
import { fixture } from '../providers/helpers.js';

const MODEL = 'claude-sonnet-4-5';
const SERVED = `claude/${MODEL}`;
const SIG = 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds';
const WEATHER: Anthropic.Tool = { name: 'weather', description: 'Current weather', input_schema: { type: 'object', properties: { location: { type: 'string' } } } };

describe('/v1/messages → an Anthropic provider, natively', () => {
  let claude: FakeAnthropic;
  let spare: FakeAnthropic;
  let openai: FakeOpenAI;
  let gw: TestGateway;
  let client: Anthropic;

  before(async () => {
    [claude, spare, openai] = await Promise.all([startFakeAnthropic(), startFakeAnthropic(), startFakeOpenAI()]);
    const prices = { input: 3, output: 15, cached_input: 0.3, cache_write: 3.75 };
    gw = await startGateway({
      providers: {
        claude: { type: 'anthropic', base_url: claude.url, api_key: 'sk-ant-upstream-0123456789', models: { [MODEL]: prices } },
        spare: { type: 'anthropic', base_url: spare.url, api_key: 'sk-ant-spare-0123456789', models: { [MODEL]: prices } },
        acme: fakeProvider(openai.url, { 'gpt-fake': { input: 1, output: 2 } }),
      },
      routes: { pair: { strategy: 'availability', targets: [SERVED], fallback: [`spare/${MODEL}`] }, 'claude-opus-*': { targets: [SERVED] } },
    });
    client = new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await Promise.all([claude.close(), spare.close(), openai.close()]);
  });

  test('the body arrives as sent (only model swapped), betas and version too; the answer comes back byte for byte; cache reads and writes are priced', async () => {
    const recorded = fixture('anthropic/cache-usage.json');
    claude.setReply(() => ({ recorded }));
    const body = {
      model: MODEL,
      max_tokens: 2048,
      system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral', ttl: '1h' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Count the clauses.', cache_control: { type: 'ephemeral' } }] }],
      thinking: { type: 'enabled', budget_tokens: 1024 },
      output_config: { effort: 'medium' },
      context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
      top_k: 5,
      metadata: { user_id: 'user_abc' },
    };
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': gw.key, 'anthropic-version': '2023-06-01', 'anthropic-beta': 'context-management-2025-06-27,interleaved-thinking-2025-05-14', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), withRequestedModel(recorded, SERVED));
    const got = claude.requests.at(-1)!;
    assert.deepEqual(got.body, body);
    assert.equal(got.headers['anthropic-beta'], 'context-management-2025-06-27,interleaved-thinking-2025-05-14');
    assert.equal(got.headers['anthropic-version'], '2023-06-01');
    assert.equal(got.headers['x-api-key'], 'sk-ant-upstream-0123456789');
    const record = (await gw.usage()).at(-1)!;
    assert.deepEqual([record.promptTokens, record.cachedTokens, record.cacheWriteTokens, record.completionTokens], [21 + 1800 + 188, 1800, 188, 8]);
    assert.ok(Math.abs(record.costUsd! - (21 * 3 + 1800 * 0.3 + 188 * 3.75 + 8 * 15) / 1e6) < 1e-12, String(record.costUsd));
  });

  test('a stream passes through byte for byte, split anywhere, except the model in message_start', async () => {
    const recorded = fixture('anthropic/thinking-tool-use.sse');
    claude.setReply(() => ({ recorded, sliceBytes: 5 }));
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, max_tokens: 4000, stream: true, thinking: { type: 'enabled', budget_tokens: 2000 }, tools: [WEATHER], messages: [{ role: 'user', content: 'Weather in Paris?' }] }),
    });
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(await res.text(), withRequestedModel(recorded, SERVED));
    const record = (await gw.usage()).at(-1)!;
    assert.equal(record.stream, true);
    assert.deepEqual([record.promptTokens, record.cacheWriteTokens, record.completionTokens, record.usageEstimated], [12 + 1536, 1536, 112, false]);
  });

  test('thinking with signatures across two tool-use turns, through the SDK', async () => {
    claude.setReply(() => ({ recorded: fixture('anthropic/thinking-tool-use.sse'), sliceBytes: 3 }));
    const ask: Anthropic.MessageParam[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const params = { model: MODEL, max_tokens: 4000, thinking: { type: 'enabled' as const, budget_tokens: 2000 }, tools: [WEATHER] };
    const first = await client.messages.stream({ ...params, messages: ask }).finalMessage();
    assert.equal(first.model, SERVED);
    assert.deepEqual(first.content.map((b) => b.type), ['thinking', 'text', 'tool_use']);
    const thinking = first.content[0] as Anthropic.ThinkingBlock;
    assert.equal(thinking.signature, SIG);
    const use = first.content[2] as Anthropic.ToolUseBlock;
    assert.deepEqual(use.input, { location: 'Paris, Île-de-France' });

    claude.setReply(() => ({ recorded: fixture('anthropic/thinking-after-tool.sse'), sliceBytes: 7 }));
    const turn: Anthropic.MessageParam[] = [
      ...ask,
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '{"temperature": 65, "condition": "Rainy"}' }] },
    ];
    const second = await client.messages.stream({ ...params, messages: turn }).finalMessage();
    const sent = claude.requests.at(-1)!.body;
    // The assistant turn goes back exactly as Anthropic sent it: thinking text and signature intact.
    assert.deepEqual(sent.messages[1].content, JSON.parse(JSON.stringify(first.content)));
    assert.equal(sent.messages[1].content[0].signature, SIG);
    assert.deepEqual(second.content.map((b) => b.type), ['redacted_thinking', 'text']);
    assert.equal((second.content[1] as Anthropic.TextBlock).text, "Currently in Paris, it's 65°F (18°C) and rainy. You might want to bring an umbrella ☔");
    assert.equal(second.usage.cache_read_input_tokens, 1536);
  });

  test('a provider 4xx comes back in Anthropic\'s own envelope', async () => {
    claude.setReply(() => ({ status: 400, errorType: 'invalid_request_error', errorMessage: 'messages.1.content.0.thinking.signature: Invalid signature' }));
    await assert.rejects(client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }), (err: any) => {
      assert.ok(err instanceof Anthropic.BadRequestError);
      const body = err.error as { type: string; error: { type: string; message: string } };
      assert.equal(body.type, 'error');
      assert.equal(body.error.type, 'invalid_request_error');
      assert.match(body.error.message, /Invalid signature/);
      return true;
    });
  });

  test('an error event before any content fails over to the next Anthropic provider', async () => {
    claude.setReply(() => ({ streamError: { type: 'overloaded_error', message: 'Overloaded' }, streamErrorAt: 'start' }));
    spare.setReply(() => ({ recorded: fixture('anthropic/text.sse') }));
    const { data, response } = await client.messages.stream({ model: 'pair', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    assert.equal(response.headers.get('x-inferoute-provider'), 'spare');
    const final = await data.finalMessage();
    assert.equal((final.content[0] as Anthropic.TextBlock).text, 'Hello, wörld! 👋');
    assert.equal(final.model, `spare/${MODEL}`);
    claude.setReply(() => ({}));
  });

  test('what only Anthropic can serve is forwarded to Anthropic, and refused by name for a provider that needs a translation', async () => {
    claude.setReply(() => ({ recorded: fixture('anthropic/text.json') }));
    const tools = [{ type: 'web_search_20250305', name: 'web_search', max_uses: 2 }] as unknown as Anthropic.Tool[];
    const ok = await client.messages.create({ model: MODEL, max_tokens: 50, tools, messages: [{ role: 'user', content: 'news?' }] });
    assert.equal(ok.type, 'message');
    assert.deepEqual(claude.requests.at(-1)!.body.tools, tools);
    const before = openai.requests.length;
    await assert.rejects(client.messages.create({ model: 'gpt-fake', max_tokens: 50, tools, messages: [{ role: 'user', content: 'news?' }] }), (err: any) => {
      assert.ok(err instanceof Anthropic.BadRequestError);
      assert.match((err.error as { error: { message: string } }).error.message, /^tools\.0: the server tool web_search_20250305 cannot be translated/);
      return true;
    });
    assert.equal(openai.requests.length, before);
    const record = (await gw.usage()).at(-1)!;
    assert.equal(record.status, 400);
  });

  test("a model name Claude Code picks (claude-opus-5-5) is caught by a pattern route; a name nothing serves is a 404 naming the closest", async () => {
    claude.setReply(() => ({ recorded: fixture('anthropic/text.json') }));
    const msg = await client.messages.create({ model: 'claude-opus-5-5', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(msg.model, SERVED);
    assert.equal(claude.requests.at(-1)!.body.model, MODEL);
    await assert.rejects(client.messages.create({ model: 'claude-sonet-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }), (err: any) => {
      assert.ok(err instanceof Anthropic.NotFoundError);
      assert.match((err.error as { error: { message: string } }).error.message, /the closest configured: claude-sonnet-4-5, /);
      return true;
    });
  });

  test('count_tokens asks the Anthropic provider when it serves the model (the exact count), else estimates without a provider', async () => {
    const before = claude.requests.length;
    const exact = await client.beta.messages.countTokens({
      model: MODEL,
      betas: ['context-management-2025-06-27'],
      system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'hi' }],
      tools: [WEATHER],
    });
    assert.equal(exact.input_tokens, 2095);
    const got = claude.requests.at(-1)!;
    assert.equal(got.path, '/v1/messages/count_tokens');
    assert.equal(got.body.model, MODEL);
    assert.match(String(got.headers['anthropic-beta']), /context-management-2025-06-27/);
    assert.equal(got.headers['x-api-key'], 'sk-ant-upstream-0123456789');
    const estimate = await client.messages.countTokens({ model: 'gpt-fake', messages: [{ role: 'user', content: 'x'.repeat(400) }] });
    assert.ok(estimate.input_tokens > 90 && estimate.input_tokens < 200, String(estimate.input_tokens));
    assert.equal(claude.requests.length, before + 1);
  });
});
