/**
 * The openai package → /v1/chat/completions → an Anthropic provider: what the middle
 * representation carries for Anthropic (reasoning, signed thinking blocks, cache hints)
 * crosses in both directions. The fake replays recorded Anthropic answers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { fixture } from '../providers/helpers.js';
import { JSON_TOOL } from '../../src/providers/anthropic/json-mode.js';

const MODEL = 'claude-sonnet-4-5';
const SIG = 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds';
const eph = { type: 'ephemeral' };
const TOOLS = [{ type: 'function' as const, function: { name: 'weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } }, cache_control: eph }];

// The middle representation's extensions (LiteLLM's names), which the openai package's types do not list.
type Extended = Record<string, any>;

/** What a client accumulates from a chat stream, the middle's extensions included. */
async function collect(stream: AsyncIterable<Extended>) {
  let reasoning = '';
  let content = '';
  let usage: Extended | undefined;
  const blocks: Extended[] = [];
  const calls: { id: string; name: string; args: string }[] = [];
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    const delta = (chunk.choices[0]?.delta ?? {}) as Extended;
    reasoning += delta.reasoning_content ?? '';
    content += delta.content ?? '';
    blocks.push(...(delta.thinking_blocks ?? []));
    for (const tc of delta.tool_calls ?? []) {
      const slot = (calls[tc.index] ??= { id: '', name: '', args: '' });
      slot.id ||= tc.id ?? '';
      slot.name ||= tc.function?.name ?? '';
      slot.args += tc.function?.arguments ?? '';
    }
  }
  return { reasoning, content, usage, blocks, calls };
}

describe('openai SDK → Anthropic: reasoning, signatures and cache hints', () => {
  let claude: FakeAnthropic;
  let gw: TestGateway;

  before(async () => {
    claude = await startFakeAnthropic();
    gw = await startGateway({
      providers: { claude: { type: 'anthropic', base_url: claude.url, api_key: 'sk-ant-upstream-0123456789', models: { [MODEL]: { input: 3, output: 15, cached_input: 0.3, cache_write: 3.75 } } } },
    });
  });
  after(async () => {
    await gw.close();
    await claude.close();
  });

  test('a message gets reasoning_content and thinking_blocks; reasoning_effort becomes a budget; cache writes are reported', async () => {
    claude.setReply(() => ({ recorded: fixture('anthropic/thinking-tool-use.json') }));
    const res = await gw.client.chat.completions.create({
      model: MODEL,
      max_tokens: 16000,
      reasoning_effort: 'medium',
      tools: TOOLS,
      messages: [{ role: 'system', content: [{ type: 'text', text: 'Long instructions', cache_control: eph }] } as Extended as ChatCompletionMessageParam, { role: 'user', content: 'Weather in Paris?' }],
    });
    const message = res.choices[0]!.message as Extended;
    assert.equal(message.reasoning_content, 'The user is asking about the current weather in Paris. I can use the `weather` function to get this information.');
    assert.equal(message.thinking_blocks[0].signature, SIG);
    assert.equal(message.content, "I'll check the current weather in Paris for you.");
    assert.deepEqual(JSON.parse(message.tool_calls[0].function.arguments), { location: 'Paris' });
    const usage = res.usage as Extended;
    assert.deepEqual([usage.prompt_tokens, usage.prompt_tokens_details.cached_tokens, usage.prompt_tokens_details.cache_write_tokens], [12 + 1536, 0, 1536]);
    const sent = claude.requests.at(-1)!.body;
    assert.deepEqual(sent.thinking, { type: 'enabled', budget_tokens: 8192 });
    assert.deepEqual(sent.system, [{ type: 'text', text: 'Long instructions', cache_control: eph }]);
    assert.deepEqual(sent.tools[0].cache_control, eph);
  });

  test('streamed: reasoning_content deltas, then the signed block; the next turn hands it back first, with a cache hint on the tool result', async () => {
    claude.setReply(() => ({ recorded: fixture('anthropic/thinking-tool-use.sse'), sliceBytes: 4 }));
    const stream = await gw.client.chat.completions.create({ model: MODEL, max_tokens: 4000, reasoning_effort: 'low', tools: TOOLS, stream: true, messages: [{ role: 'user', content: 'Weather in Paris?' }] });
    const { reasoning, content, blocks, calls } = await collect(stream);
    assert.match(reasoning, /^The user is asking about the current weather in Paris\. .* parameter\.$/);
    assert.deepEqual(blocks, [{ type: 'thinking', thinking: reasoning, signature: SIG }]);
    assert.deepEqual(JSON.parse(calls[0]!.args), { location: 'Paris, Île-de-France' });

    claude.setReply(() => ({ recorded: fixture('anthropic/thinking-after-tool.sse') }));
    const next = await gw.client.chat.completions.create({
      model: MODEL,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 4000,
      reasoning_effort: 'low',
      tools: TOOLS,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content, reasoning_content: reasoning, thinking_blocks: blocks, tool_calls: [{ id: calls[0]!.id, type: 'function', function: { name: calls[0]!.name, arguments: calls[0]!.args } }] } as Extended as ChatCompletionMessageParam,
        { role: 'tool', tool_call_id: calls[0]!.id, content: '65°F, rainy', cache_control: eph } as Extended as ChatCompletionMessageParam,
      ],
    });
    const sent = claude.requests.at(-1)!.body;
    assert.deepEqual(sent.messages[1].content, [
      { type: 'thinking', thinking: reasoning, signature: SIG },
      { type: 'text', text: "I'll check the current weather in Paris for you." },
      { type: 'tool_use', id: 'toolu_01WaeSyitUGJFaaPe68cJuEv', name: 'weather', input: { location: 'Paris, Île-de-France' } },
    ]);
    assert.deepEqual(sent.messages[2].content, [{ type: 'tool_result', tool_use_id: 'toolu_01WaeSyitUGJFaaPe68cJuEv', content: '65°F, rainy', cache_control: eph }]);
    const answer = await collect(next);
    assert.equal(answer.blocks[0]!.type, 'redacted_thinking');
    assert.match(answer.content, /umbrella ☔$/);
    assert.equal(answer.usage?.prompt_tokens_details.cached_tokens, 1536);
  });

  test('response_format json_schema: Anthropic is made to answer through one forced tool, whose input comes back as the JSON text', async () => {
    const schema = { type: 'object', properties: { city: { type: 'string' }, celsius: { type: 'number' } }, required: ['city', 'celsius'] };
    claude.setReply(() => ({ toolCalls: [{ id: 'toolu_json', name: JSON_TOOL, input: { city: 'Zürich', celsius: 18.5 } }], sliceBytes: 5 }));
    const format = { type: 'json_schema' as const, json_schema: { name: 'weather', schema } };
    const res = await gw.client.chat.completions.create({ model: MODEL, max_tokens: 500, response_format: format, messages: [{ role: 'user', content: 'Weather in Zürich as JSON' }] });
    assert.deepEqual(JSON.parse(res.choices[0]!.message.content!), { city: 'Zürich', celsius: 18.5 });
    assert.equal(res.choices[0]!.finish_reason, 'stop');
    assert.equal(res.choices[0]!.message.tool_calls, undefined);
    const sent = claude.requests.at(-1)!.body;
    assert.deepEqual(sent.tools, [{ name: JSON_TOOL, description: 'Answer with this JSON.', input_schema: schema }]);
    assert.deepEqual(sent.tool_choice, { type: 'tool', name: JSON_TOOL });

    const stream = await gw.client.chat.completions.create({ model: MODEL, max_tokens: 500, stream: true, response_format: format, messages: [{ role: 'user', content: 'Again, streamed' }] });
    const got = await collect(stream);
    assert.deepEqual(JSON.parse(got.content), { city: 'Zürich', celsius: 18.5 });
    assert.equal(got.calls.length, 0);

    await assert.rejects(
      gw.client.chat.completions.create({ model: MODEL, max_tokens: 500, response_format: format, tools: TOOLS, messages: [{ role: 'user', content: 'x' }] }),
      (err: any) => err.status === 400 && /response_format cannot be combined with tools/.test(err.message),
    );
  });
});
