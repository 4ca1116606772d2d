/** What an OpenAI-shaped provider gets of a body translated from Anthropic, and of a chat client's own body. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toOpenAIRequest } from '../../src/inbound/anthropic/request.js';
import { createOpenAIAdapter } from '../../src/providers/openai/index.js';
import { fixture, makeCtx, makeTarget, replay } from './helpers.js';

const eph = { type: 'ephemeral' };
const anthropicRequest = {
  model: 'claude-sonnet-4-5',
  max_tokens: 32000,
  thinking: { type: 'enabled', budget_tokens: 31999 },
  system: [{ type: 'text', text: 'You are Claude Code.', cache_control: eph }],
  tools: [{ name: 'Read', input_schema: { type: 'object' }, cache_control: eph }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'Read it', cache_control: eph }] },
    { role: 'assistant', content: [{ type: 'thinking', thinking: 'Use Read.', signature: 'sig' }, { type: 'tool_use', id: 't1', name: 'Read', input: { file_path: 'a' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'text', cache_control: eph }] },
  ],
};
const send = (type: 'openai' | 'openai-compatible', model: string, body: Record<string, unknown>) =>
  JSON.parse(createOpenAIAdapter(type).buildRequest('chat', body as never, makeTarget(type, model), makeCtx()).body!) as Record<string, any>;

test('a translated body loses what only Anthropic reads; OpenAI gets reasoning_effort only for its reasoning models', () => {
  const body = toOpenAIRequest(anthropicRequest);
  const gpt4o = send('openai', 'gpt-4o', body);
  assert.doesNotMatch(JSON.stringify(gpt4o), /cache_control|thinking|reasoning_content|reasoning_effort/);
  assert.equal(gpt4o.messages[0].content[0].text, 'You are Claude Code.');
  assert.equal(send('openai', 'gpt-5-mini', body).reasoning_effort, 'high');
  const deepseek = send('openai-compatible', 'deepseek-reasoner', body);
  assert.equal(deepseek.reasoning_effort, 'high');
  assert.equal(deepseek.messages[2].reasoning_content, 'Use Read.', 'compatible servers such as DeepSeek want their reasoning back');
  assert.doesNotMatch(JSON.stringify(deepseek), /cache_control|thinking_blocks|"thinking"/);
});

test("a chat client's own body passes as sent, extensions included", () => {
  const own = { model: 'x', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', cache_control: eph }] }], reasoning_effort: 'low' };
  assert.deepEqual(send('openai-compatible', 'router-model', own), { ...own, model: 'router-model' });
  assert.deepEqual(send('openai', 'gpt-4o', own), { ...own, model: 'gpt-4o' });
});

test('an unreadable event mid-stream ends the relay with an error chunk the SDK raises, and nothing after it', () => {
  const hello = fixture('openai/chat-stream-hello.sse');
  const firstEnd = hello.indexOf('\n\n') + 2;
  const cut = hello.slice(0, firstEnd) + 'data: {"id":"chatcmpl-123","object":"chat.compl\n\n' + hello.slice(firstEnd);
  const translator = createOpenAIAdapter('openai-compatible').streamTranslator('chat', makeTarget('openai-compatible', 'm'), makeCtx({ stream: true }));
  const out = replay(cut, translator);
  assert.equal(out.length, 2, 'the first chunk, then the error; the rest is dropped');
  assert.match(out[0]!, /"role":"assistant"/);
  assert.match(JSON.parse(out[1]!).error.message, /unreadable stream event: "\{\\"id\\":\\"chatcmpl-123\\",\\"object\\":\\"chat.compl"/);
  assert.match(translator.error()!.message, /unreadable/);
});
