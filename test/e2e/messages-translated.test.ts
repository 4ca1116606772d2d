/**
 * /v1/messages served by providers of other protocols: what Claude Code sends is never
 * refused by TokenHub itself, and what the chat shape can carry arrives.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';
import { fixture } from '../providers/helpers.js';

describe('/v1/messages → an OpenAI-compatible provider', () => {
  let openai: FakeOpenAI;
  let gw: TestGateway;
  let client: Anthropic;

  before(async () => {
    openai = await startFakeOpenAI();
    gw = await startGateway({ providers: { acme: fakeProvider(openai.url, { 'gpt-fake': { input: 1, output: 2 } }) } });
    client = new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0 });
  });
  after(async () => {
    await gw.close();
    await openai.close();
  });

  test('Claude Code\'s shape: a system role inside messages, new top-level fields and beta headers are taken, not refused', async () => {
    const msg = await client.beta.messages.create({
      model: 'gpt-fake',
      max_tokens: 4096,
      betas: ['claude-code-20250219', 'interleaved-thinking-2025-05-14', 'context-management-2025-06-27'],
      system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }],
      messages: [
        { role: 'user', content: 'hi' },
        // what Claude Code 2.1.197 sends; the SDK's types do not list it
        { role: 'system', content: 'Plan mode is active.' } as unknown as Anthropic.Beta.BetaMessageParam,
      ],
      context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
      thinking: { type: 'enabled', budget_tokens: 2048 },
      ...({ safeguards: { mode: 'auto' } } as object),
    });
    assert.equal(msg.type, 'message');
    const sent = openai.requests.at(-1)!.body;
    assert.deepEqual(
      sent.messages.map((m: { role: string }) => m.role),
      ['system', 'user', 'system'],
    );
    assert.equal(sent.messages[2].content, 'Plan mode is active.');
    assert.equal(sent.context_management, undefined);
    assert.equal(sent.safeguards, undefined);
    // what only Anthropic reads does not reach an OpenAI-shaped provider, which would refuse it; the effort does
    assert.equal(sent.thinking, undefined);
    assert.doesNotMatch(JSON.stringify(sent), /cache_control/);
    assert.equal(sent.reasoning_effort, 'low');
  });

  test('tool-call arguments cut inside multi-byte characters arrive whole: never an empty input', async () => {
    // A recorded tool-call stream, its argument made non-ASCII, written a few bytes at a time.
    const raw = fixture('openai/chat-stream-read-file.sse').replace('"notes.txt"', '"Notizen-über-café-☕.txt"');
    openai.setReply(() => ({ raw: { contentType: 'text/event-stream', body: raw }, sliceBytes: 3 }));
    const tools: Anthropic.Tool[] = [{ name: 'read_file', input_schema: { type: 'object', properties: { file_path: { type: 'string' } } } }];
    const final = await client.messages.stream({ model: 'gpt-fake', max_tokens: 100, tools, messages: [{ role: 'user', content: 'Read my notes' }] }).finalMessage();
    const use = final.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
    assert.deepEqual(use.input, { file_path: 'Notizen-über-café-☕.txt' });
    assert.equal(final.stop_reason, 'tool_use');
  });
});
