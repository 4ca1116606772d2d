/**
 * /v1/responses served by a Gemini provider: parallel function calls come back as
 * function_call items, and their call_ids (which carry Gemini's thought signature)
 * bring the signature back to Gemini with the tool outputs in the next turn.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ResponseInputItem, Tool } from 'openai/resources/responses/responses';
import { startReplay, type ReplayServer } from '../fakes/replay.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const TOOLS: Tool[] = [
  { type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' }, unit: { type: 'string' } } }, strict: false },
  { type: 'function', name: 'get_time', parameters: { type: 'object', properties: { timezone: { type: 'string' } } }, strict: false },
];

describe('/v1/responses over a Gemini provider', () => {
  let gemini: ReplayServer;
  let gw: TestGateway;

  before(async () => {
    gemini = await startReplay((req) => {
      const answered = JSON.stringify(req.body.contents).includes('functionResponse');
      return { fixture: `gemini/${answered ? 'text' : 'tool-call'}.json` };
    });
    gw = await startGateway({ providers: { google: { type: 'gemini', base_url: gemini.url, api_key: 'AIza-upstream-0123456789', models: { 'gemini-2.5-flash': { input: 0.3, output: 2.5 } } } } });
  });
  after(async () => {
    await gw.close();
    await gemini.close();
  });

  test('two function calls, then their outputs go back with the thought signature', async () => {
    const first = await gw.client.responses.create({ model: 'gemini-2.5-flash', input: 'Weather and time in Boston?', tools: TOOLS, store: false });
    const calls = first.output.filter((o) => o.type === 'function_call');
    assert.deepEqual(calls.map((c) => c.type === 'function_call' && [c.name, JSON.parse(c.arguments)]), [
      ['get_weather', { location: 'Boston, MA', unit: 'celsius' }],
      ['get_time', { timezone: 'America/New_York' }],
    ]);
    assert.equal(first.usage!.input_tokens_details.cached_tokens, 64);

    const input: ResponseInputItem[] = [
      { role: 'user', content: 'Weather and time in Boston?' },
      ...(calls as ResponseInputItem[]),
      ...calls.map((c): ResponseInputItem => ({ type: 'function_call_output', call_id: c.type === 'function_call' ? c.call_id : '', output: '{"ok":true}' })),
    ];
    const second = await gw.client.responses.create({ model: 'gemini-2.5-flash', input, tools: TOOLS, store: false });
    assert.equal(second.output_text, 'Hello! How can I help you today?');
    const model = gemini.requests.at(-1)!.body.contents.find((c: any) => c.role === 'model');
    assert.equal(model.parts[0].functionCall.name, 'get_weather');
    assert.equal(model.parts[0].thoughtSignature, 'CiQBVKhc7vB+ZmV5ZlJtQ2xkU1dQY2pSb0Z0YlFQR3c9PQ==');
    const responses = gemini.requests.at(-1)!.body.contents.flatMap((c: any) => c.parts).filter((p: any) => p.functionResponse);
    assert.deepEqual(responses.map((p: any) => p.functionResponse.name), ['get_weather', 'get_time']);
  });
});
