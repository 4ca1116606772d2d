/**
 * The Responses clients developers point at a gateway, unchanged but for base URL and
 * key: the OpenAI Agents SDK and the AI SDK's default `openai(...)` provider, each
 * through a tool round trip against a provider that replays recorded chat answers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createOpenAI } from '@ai-sdk/openai';
import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool as agentTool } from '@openai/agents';
import { generateText, stepCountIs, streamText, tool } from 'ai';
import { z } from 'zod';
import { startReplay, type ReplayServer } from '../fakes/replay.js';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

/** Tool calls until a tool's output is in the conversation, then text. */
function chatFixture(body: Record<string, any>): string {
  const ext = body.stream ? 'sse' : 'json';
  const answered = (body.messages as { role: string }[]).some((m) => m.role === 'tool');
  return body.tools && !answered ? `openai/responses/chat-tool-call.${ext}` : `openai/responses/chat-text.${ext}`;
}

const ANSWER = 'Hello! How can I assist you today?';

describe('Responses clients through TokenHub', () => {
  let upstream: ReplayServer;
  let gw: TestGateway;
  const calls: string[] = [];

  before(async () => {
    setTracingDisabled(true); // no trace export to OpenAI from a test
    upstream = await startReplay((req) => ({ fixture: chatFixture(req.body) }));
    gw = await startGateway({ providers: { acme: fakeProvider(upstream.url, { 'gpt-4.1': { input: 2, output: 8 } }) } });
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  const toolTurn = () => {
    const messages = upstream.requests.at(-1)!.body.messages as Record<string, any>[];
    const tool = messages.find((m) => m.role === 'tool')!;
    assert.equal(tool.tool_call_id, 'call_abc123');
    return tool;
  };

  test('@openai/agents: an agent with a function tool runs it and answers', async () => {
    const weather = agentTool({
      name: 'get_current_weather',
      description: 'Get the current weather in a given location',
      parameters: z.object({ location: z.string() }),
      execute: async ({ location }) => {
        calls.push(location);
        return `21 C in ${location}`;
      },
    });
    const agent = new Agent({ name: 'Weather', instructions: 'Answer about the weather.', model: 'gpt-4.1', tools: [weather] });
    const runner = new Runner({ modelProvider: new OpenAIProvider({ baseURL: `${gw.url}/v1`, apiKey: gw.key, useResponses: true }) });
    const before = upstream.requests.length;
    const result = await runner.run(agent, 'Weather in Boston?');
    assert.equal(result.finalOutput, ANSWER);
    assert.deepEqual(calls, ['Boston, MA']);
    assert.equal(upstream.requests.length, before + 2);
    assert.equal(toolTurn().content, '21 C in Boston, MA');
    const records = (await gw.usage()).slice(-2);
    assert.deepEqual(records.map((r) => [r.endpoint, r.status]), [['responses', 200], ['responses', 200]]);
  });

  const weather = tool({
    description: 'Get the current weather in a given location',
    inputSchema: z.object({ location: z.string() }),
    execute: async ({ location }) => `18 C in ${location}`,
  });

  test("AI SDK generateText with the default openai(...) provider (the Responses API) and a tool call", async () => {
    const openai = createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key });
    const result = await generateText({ model: openai('gpt-4.1'), prompt: 'Weather in Boston?', tools: { get_current_weather: weather }, stopWhen: stepCountIs(3) });
    assert.equal(result.text, ANSWER);
    assert.equal(result.steps[0]!.toolCalls[0]!.toolCallId, 'call_abc123');
    assert.deepEqual(result.steps[0]!.toolCalls[0]!.input, { location: 'Boston, MA' });
    assert.equal(result.totalUsage.inputTokens, 82 + 19);
    assert.match(JSON.stringify(toolTurn().content), /18 C in Boston, MA/);
  });

  test('AI SDK streamText with the default openai(...) provider and a tool call', async () => {
    const openai = createOpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.key });
    const result = streamText({ model: openai('gpt-4.1'), prompt: 'Weather in Boston?', tools: { get_current_weather: weather }, stopWhen: stepCountIs(3) });
    let text = '';
    for await (const piece of result.textStream) text += piece;
    assert.equal(text, ANSWER);
    const steps = await result.steps;
    assert.equal(steps[0]!.toolCalls[0]!.toolCallId, 'call_abc123');
    assert.equal(upstream.requests.at(-1)!.body.stream, true);
    assert.match(JSON.stringify(toolTurn().content), /18 C in Boston, MA/);
  });
});
