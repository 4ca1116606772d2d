/**
 * A small budget serves shorter answers instead of refusing: a $0.05 key against a model
 * whose worst case (4096 output tokens at $20 per million, about $0.08) does not fit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { MIN_ANSWER_TOKENS, promptTokenCeiling } from '../../src/gateway/budget.js';
import { startFakeAnthropic } from '../fakes/anthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { fixture } from '../providers/helpers.js';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

const messages = [{ role: 'user' as const, content: 'Summarise the build log.' }];

describe('a $0.05 budget', () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;
  const clientFor = (key: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });

  before(async () => {
    fake = await startFakeOpenAI();
    gw = await startGateway({ providers: { acme: fakeProvider(fake.url, { 'gpt-fake': { input: 1, output: 20 } }) } });
  });
  after(async () => {
    await gw.close();
    await fake.close();
  });

  test('is served with the forwarded output capped to what it pays for, and says so in a header', async () => {
    const { id, key } = gw.mintKey({ budgetUsd: 0.05, budgetPeriod: 'total' });
    const { data, response } = await clientFor(key).chat.completions.create({ model: 'gpt-fake', messages }).withResponse();
    assert.equal(data.model, 'acme/gpt-fake');
    const prompt = promptTokenCeiling('chat', { model: 'gpt-fake', messages });
    const cap = Math.floor((0.05 - prompt / 1e6) / 20e-6);
    assert.equal(fake.requests.at(-1)!.body.max_tokens, cap, 'the provider was asked for no more than the budget pays');
    assert.equal(response.headers.get('x-inferoute-output-cap'), String(cap));
    const rec = (await gw.usage()).filter((r) => r.keyId === id);
    assert.deepEqual(rec.map((r) => r.status), [200]);
    assert.equal(gw.daemon.gateway.limits!.status(id).budget!.reservedUsd, 0);
  });

  test('keeps the client’s own smaller max_completion_tokens, and a stream is capped the same way', async () => {
    const { key } = gw.mintKey({ budgetUsd: 0.05, budgetPeriod: 'total' });
    const client = clientFor(key);
    const { response } = await client.chat.completions.create({ model: 'gpt-fake', messages, max_completion_tokens: 5000 }).withResponse();
    const capped = fake.requests.at(-1)!.body;
    assert.ok(capped.max_completion_tokens < 2500 && capped.max_tokens === undefined, JSON.stringify(capped));
    assert.equal(response.headers.get('x-inferoute-output-cap'), String(capped.max_completion_tokens));
    const stream = await client.chat.completions.create({ model: 'gpt-fake', messages, stream: true });
    for await (const _ of stream) void _;
    assert.ok(fake.requests.at(-1)!.body.max_tokens < 2500);
    const small = await client.chat.completions.create({ model: 'gpt-fake', messages, max_tokens: 100 }).withResponse();
    assert.equal(fake.requests.at(-1)!.body.max_tokens, 100);
    assert.equal(small.response.headers.get('x-inferoute-output-cap'), null, 'a request that fits is not capped');
  });

  test('refuses 402 only when not even a minimal answer fits', async () => {
    const prompt = promptTokenCeiling('chat', { model: 'gpt-fake', messages });
    const { key } = gw.mintKey({ budgetUsd: (prompt * 1 + (MIN_ANSWER_TOKENS - 1) * 20) / 1e6, budgetPeriod: 'total' });
    const before = fake.requests.length;
    const err = await clientFor(key).chat.completions.create({ model: 'gpt-fake', messages }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.APIError, String(err));
    assert.equal(err.status, 402);
    assert.equal(err.code, 'insufficient_quota');
    assert.match(err.message, /not even a 16-token answer fits/);
    assert.equal(fake.requests.length, before);
  });
});

test('a $0.05 key on /v1/messages to an Anthropic provider (native): max_tokens is capped in the forwarded body, the thinking budget stays below it', async () => {
  const claude = await startFakeAnthropic();
  const gw = await startGateway({
    providers: { claude: { type: 'anthropic', base_url: claude.url, api_key: 'sk-ant-upstream-0123456789', models: { 'claude-sonnet-4-5': { input: 3, output: 15 } } } },
  });
  try {
    claude.setReply(() => ({ recorded: fixture('anthropic/text.json') }));
    const { key } = gw.mintKey({ budgetUsd: 0.05, budgetPeriod: 'total' });
    // worst case 8192 output tokens at $15 per million ≈ $0.12: more than the key has
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 8192, thinking: { type: 'enabled', budget_tokens: 4096 }, messages: [{ role: 'user', content: 'Plan the release.' }] }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const sent = claude.requests.at(-1)!.body;
    const cap = Number(res.headers.get('x-inferoute-output-cap'));
    assert.ok(cap > 1024 && cap < 8192 * 0.05 / 0.12, `cap ${cap}`);
    assert.equal(sent.max_tokens, cap);
    assert.deepEqual(sent.thinking, { type: 'enabled', budget_tokens: cap - 1 });
    assert.ok(cap * 15e-6 <= 0.05);
  } finally {
    await gw.close();
    await claude.close();
  }
});
