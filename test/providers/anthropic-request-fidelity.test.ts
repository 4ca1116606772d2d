/** The anthropic adapter carries what the middle representation holds for Anthropic: cache hints, thinking, documents. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anthropicAdapter } from '../../src/providers/anthropic/index.js';
import { toOpenAIRequest } from '../../src/inbound/anthropic/request.js';
import { makeCtx, makeTarget } from './helpers.js';

const target = makeTarget('anthropic', 'claude-sonnet-4-5', { max_output: 64000 });
const build = (body: Record<string, unknown>) =>
  JSON.parse(anthropicAdapter.buildRequest('chat', { model: 'claude-sonnet-4-5', ...body }, target, makeCtx()).body ?? '{}') as Record<string, any>;
const eph = { type: 'ephemeral' };
const SIG = 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds';

test('cache_control on system parts, content parts, messages, tool messages and tools reaches Anthropic', () => {
  const sent = build({
    messages: [
      { role: 'system', content: [{ type: 'text', text: 'Long instructions', cache_control: eph }] },
      { role: 'user', content: 'A long document', cache_control: eph },
      { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 't1', content: 'result', cache_control: { type: 'ephemeral', ttl: '1h' } },
    ],
    tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } }, cache_control: eph }],
  });
  assert.deepEqual(sent.system, [{ type: 'text', text: 'Long instructions', cache_control: eph }]);
  assert.deepEqual(sent.messages[0].content, [{ type: 'text', text: 'A long document', cache_control: eph }]);
  assert.deepEqual(sent.messages[2].content, [{ type: 'tool_result', tool_use_id: 't1', content: 'result', cache_control: { type: 'ephemeral', ttl: '1h' } }]);
  assert.deepEqual(sent.tools[0].cache_control, eph);
});

test('thinking_blocks go back first and verbatim; unsigned reasoning stays out; thinking is forwarded as given', () => {
  const sent = build({
    thinking: { type: 'enabled', budget_tokens: 2048 },
    max_tokens: 5000,
    messages: [
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: null,
        reasoning_content: 'Use the tool.',
        thinking_blocks: [
          { type: 'thinking', thinking: 'Use the tool.', signature: SIG },
          { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
          { type: 'thinking', thinking: 'from another provider', signature: '' },
        ],
        tool_calls: [{ id: 't1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }],
      },
      { role: 'tool', tool_call_id: 't1', content: '18°C' },
    ],
  });
  assert.deepEqual(sent.messages[1].content, [
    { type: 'thinking', thinking: 'Use the tool.', signature: SIG },
    { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
    { type: 'tool_use', id: 't1', name: 'get_weather', input: { city: 'Paris' } },
  ]);
  assert.deepEqual(sent.thinking, { type: 'enabled', budget_tokens: 2048 });
});

test('reasoning_effort becomes a thinking budget below max_tokens, or no thinking when it cannot fit', () => {
  const sent = build({ reasoning_effort: 'medium', max_tokens: 20000, temperature: 0.3, messages: [{ role: 'user', content: 'x' }] });
  assert.deepEqual(sent.thinking, { type: 'enabled', budget_tokens: 8192 });
  assert.equal(sent.temperature, undefined, 'Anthropic refuses a temperature with thinking on');
  assert.deepEqual(build({ reasoning_effort: 'high', max_tokens: 3000, messages: [{ role: 'user', content: 'x' }] }).thinking, { type: 'enabled', budget_tokens: 2999 });
  assert.equal(build({ reasoning_effort: 'low', max_tokens: 500, messages: [{ role: 'user', content: 'x' }] }).thinking, undefined);
  assert.equal(build({ reasoning_effort: 'none', messages: [{ role: 'user', content: 'x' }] }).thinking, undefined);
});

test('an Anthropic request survives the round trip through the middle: system blocks, thinking, cache hints, documents', () => {
  const original = {
    model: 'claude-sonnet-4-5',
    max_tokens: 9000,
    thinking: { type: 'enabled', budget_tokens: 4000 },
    system: [{ type: 'text', text: 'You are Claude Code.', cache_control: eph }],
    messages: [
      { role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } }, { type: 'text', text: 'Summarise', cache_control: eph }] },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'Read it.', signature: SIG }, { type: 'tool_use', id: 't1', name: 'read', input: { page: 1 } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'page one' }] },
    ],
  };
  const sent = build(toOpenAIRequest(original));
  assert.deepEqual(sent.system, original.system);
  assert.deepEqual(sent.messages, original.messages);
  assert.deepEqual(sent.thinking, original.thinking);
});
