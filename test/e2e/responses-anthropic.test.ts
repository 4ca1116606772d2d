/**
 * /v1/responses served by an Anthropic provider: thinking comes back as a reasoning item
 * (summary text, the signed blocks in encrypted_content), and sent back in the next turn
 * it reaches Anthropic as the same signed thinking block; cache reads are cached_tokens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ResponseInputItem } from 'openai/resources/responses/responses';
import { startReplay, type ReplayServer } from '../fakes/replay.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

describe('/v1/responses over an Anthropic provider', () => {
  let claude: ReplayServer;
  let gw: TestGateway;

  before(async () => {
    claude = await startReplay((req) => ({ fixture: req.body.stream ? 'anthropic/thinking-cached.sse' : 'anthropic/text.json' }));
    gw = await startGateway({
      providers: { claude: { type: 'anthropic', base_url: claude.url, api_key: 'sk-ant-upstream-0123456789', models: { 'claude-sonnet-4-5': { input: 3, output: 15, cached_input: 0.3 } } } },
    });
  });
  after(async () => {
    await gw.close();
    await claude.close();
  });

  test('thinking → a reasoning item with its summary; sent back, Anthropic gets the signed block again', async () => {
    const stream = gw.client.responses.stream({ model: 'claude-sonnet-4-5', input: 'What is 2+2?', reasoning: { effort: 'low', summary: 'auto' }, max_output_tokens: 2048, store: false });
    const types: string[] = [];
    for await (const ev of stream) types.push(ev.type);
    const final = await stream.finalResponse();
    assert.ok(types.includes('response.reasoning_summary_text.delta'));
    assert.equal(final.status, 'incomplete', 'max_tokens cut it');
    assert.deepEqual(final.incomplete_details, { reason: 'max_output_tokens' });
    const reasoning = final.output[0]!;
    assert.equal(reasoning.type, 'reasoning');
    assert.deepEqual(reasoning.type === 'reasoning' && reasoning.summary, [{ type: 'summary_text', text: 'Two plus two is four.' }]);
    assert.ok(reasoning.type === 'reasoning' && reasoning.encrypted_content);
    assert.equal(final.output_text, '4');
    assert.equal(final.usage!.input_tokens_details.cached_tokens, 1024);
    assert.equal(claude.requests.at(-1)!.body.thinking.type, 'enabled', 'reasoning effort reaches Anthropic as its thinking control');

    const input: ResponseInputItem[] = [{ role: 'user', content: 'What is 2+2?' }, ...(final.output as ResponseInputItem[]), { role: 'user', content: 'And 3+3?' }];
    await gw.client.responses.create({ model: 'claude-sonnet-4-5', input, max_output_tokens: 2048, store: false });
    const assistant = claude.requests.at(-1)!.body.messages[1];
    assert.equal(assistant.role, 'assistant');
    assert.deepEqual(assistant.content[0], { type: 'thinking', thinking: 'Two plus two is four.', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' });
    assert.equal(assistant.content.at(-1).text, '4');
  });
});
