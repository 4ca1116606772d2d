import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toOpenAIRequest, translateAnthropicRequest } from '../../src/inbound/anthropic/request.js';
import { GatewayError } from '../../src/errors.js';

const SIG = 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds';

describe('Anthropic request → chat (the middle representation)', () => {
  test('a system role inside messages becomes a system message where it stood; unknown top-level fields are dropped and named', () => {
    const { body, dropped, refusal } = translateAnthropicRequest({
      model: 'claude-sonnet-4-5',
      max_tokens: 32000,
      system: 'You are Claude Code.',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'system', content: [{ type: 'text', text: 'The user switched to plan mode.' }] },
        { role: 'assistant', content: 'Hello.' },
      ],
      context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
      safeguards: { mode: 'auto' },
      output_config: { effort: 'high' },
      metadata: { user_id: JSON.stringify({ device_id: 'c1be94e4826cbfcda18b95be587811f082b1c691f30ee978fbd6546e1e68e96f', session_id: 'e8a164d0' }) },
    });
    assert.equal(refusal, undefined);
    assert.deepEqual(body.messages, [
      { role: 'system', content: 'You are Claude Code.' },
      { role: 'user', content: 'hi' },
      { role: 'system', content: 'The user switched to plan mode.' },
      { role: 'assistant', content: 'Hello.' },
    ]);
    assert.deepEqual(dropped, ['metadata.user_id', 'context_management', 'safeguards']);
    assert.equal(body.user, undefined, 'OpenAI refuses a user over 64 characters');
  });

  test('cache_control rides on system parts, content parts, tool messages and tools', () => {
    const eph = { type: 'ephemeral' };
    const body = toOpenAIRequest({
      model: 'm',
      max_tokens: 10,
      system: [{ type: 'text', text: 'Long instructions', cache_control: eph }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'doc', cache_control: { type: 'ephemeral', ttl: '1h' } }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: { a: 1 } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok', cache_control: eph }] },
      ],
      tools: [{ name: 'f', input_schema: { type: 'object' }, cache_control: eph }],
    });
    const m = body.messages as Record<string, any>[];
    assert.deepEqual(m[0], { role: 'system', content: [{ type: 'text', text: 'Long instructions', cache_control: eph }] });
    assert.deepEqual(m[1], { role: 'user', content: [{ type: 'text', text: 'doc', cache_control: { type: 'ephemeral', ttl: '1h' } }] });
    assert.deepEqual(m[3], { role: 'tool', tool_call_id: 't1', content: 'ok', cache_control: eph });
    assert.deepEqual((body.tools as any[])[0].cache_control, eph);
  });

  test('thinking blocks keep their signatures in thinking_blocks, their text in reasoning_content; thinking sets reasoning_effort', () => {
    const body = toOpenAIRequest({
      model: 'm',
      max_tokens: 10000,
      thinking: { type: 'enabled', budget_tokens: 4000 },
      messages: [
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'Use the tool.', signature: SIG },
            { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
            { type: 'tool_use', id: 't1', name: 'get_weather', input: { city: 'Paris' } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: '18°C' }] },
      ],
    });
    const assistant = (body.messages as any[])[1];
    assert.equal(assistant.reasoning_content, 'Use the tool.');
    assert.deepEqual(assistant.thinking_blocks, [
      { type: 'thinking', thinking: 'Use the tool.', signature: SIG },
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
    ]);
    assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 4000 });
    assert.equal(body.reasoning_effort, 'medium');
  });

  test('what chat cannot express is a refusal naming the field, raised only when translating', () => {
    const { refusal } = translateAnthropicRequest({
      model: 'm',
      max_tokens: 10,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'search_result', source: 's', title: 't', content: [] }] }],
      tools: [{ type: 'web_search_20250305', name: 'web_search' }],
    });
    assert.ok(refusal instanceof GatewayError);
    assert.match(refusal.message, /^messages\.0\.content\.1: a content block of type search_result cannot be translated/);
    assert.throws(() => toOpenAIRequest({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'web_search_20250305', name: 'w' }] }), /tools\.0: the server tool web_search_20250305/);
  });

  test('what is valid for Anthropic but not translatable (a Files API image, a new tool_choice) is never thrown at once: it only refuses translation', () => {
    const { refusal } = translateAnthropicRequest({
      model: 'm',
      max_tokens: 10,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'file_011CNha8iCJcU1wXNR6q4V8w' } }] }],
      tools: [{ name: 'f', input_schema: { type: 'object' } }],
      tool_choice: { type: 'auto_with_budget' },
    });
    assert.match(refusal!.message, /image\.source/);
  });

  test('PDF documents become file parts; the model, max_tokens and the list of messages are still required', () => {
    const body = toOpenAIRequest({
      model: 'm',
      max_tokens: 5,
      messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } }] }],
    });
    assert.deepEqual((body.messages as any[])[0].content, [{ type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=' } }]);
    assert.throws(() => translateAnthropicRequest({ model: 'm', messages: [] }), /max_tokens: Field required/);
    assert.throws(() => translateAnthropicRequest({ model: 'm', max_tokens: 1, messages: 'x' }), /messages: Input should be a valid list/);
  });
});
