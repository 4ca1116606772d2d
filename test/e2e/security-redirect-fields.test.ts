/**
 * Fields that other gateways read as "send this elsewhere" or "use this key" (api_base,
 * base_url, api_key, extra_headers, …) never leave TokenHub: an upstream that honours
 * them would let a client redirect traffic or read the provider key. A note is logged.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { createLogger } from '../../src/util/log.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

const REDIRECTS = {
  api_base: 'http://attacker.example/v1',
  base_url: 'http://attacker.example/v1',
  apiKey: 'sk-attacker-0123456789',
  extra_headers: { 'x-forward-to': 'attacker.example' },
  custom_llm_provider: 'openai',
};

describe('body fields that could redirect traffic are stripped', () => {
  let openai: FakeOpenAI;
  let claude: FakeAnthropic;
  let gw: TestGateway;
  const lines: string[] = [];

  before(async () => {
    [openai, claude] = await Promise.all([startFakeOpenAI(), startFakeAnthropic()]);
    gw = await startGateway(
      {
        providers: {
          acme: fakeProvider(openai.url, { 'gpt-fake': { input: 1, output: 2 } }),
          claude: { type: 'anthropic', base_url: claude.url, api_key: 'sk-ant-upstream-0123456789', models: { 'claude-haiku-4-5': { input: 1, output: 5 } } },
        },
      },
      { log: createLogger({ write: (l) => lines.push(l) }) },
    );
  });
  after(async () => {
    await gw.close();
    await Promise.all([openai.close(), claude.close()]);
  });

  test('chat completions: the provider never sees them, the log names them without their values', async () => {
    const res = await gw.client.chat.completions.create({
      model: 'gpt-fake',
      messages: [{ role: 'user', content: 'hi' }],
      temperature: 0.5,
      ...REDIRECTS,
    } as never);
    assert.equal(res.model, 'acme/gpt-fake');
    const sent = openai.requests.at(-1)!.body;
    for (const field of Object.keys(REDIRECTS)) assert.equal(sent[field], undefined, field);
    assert.equal(sent.temperature, 0.5, 'other fields pass through');
    const note = lines.find((l) => l.includes('could redirect traffic'));
    assert.ok(note, lines.join('\n'));
    for (const field of Object.keys(REDIRECTS)) assert.ok(note.includes(field), field);
    assert.ok(!note.includes('attacker'), note);
  });

  test('/v1/messages: the Anthropic provider never sees them either', async () => {
    const client = new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0 });
    await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], ...REDIRECTS } as never);
    const sent = claude.requests.at(-1)!.body;
    for (const field of Object.keys(REDIRECTS)) assert.equal(sent[field], undefined, field);
    assert.equal(JSON.stringify(sent).includes('attacker'), false);
  });
});
