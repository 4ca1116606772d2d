/**
 * Anthropic's 1-hour prompt cache costs twice the input price to write, the 5-minute one
 * 1.25×: a usage record prices each part of cache_creation at its own price.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { fixture } from '../providers/helpers.js';

const MODEL = 'claude-sonnet-4-5';
let claude: FakeAnthropic;
let gw: TestGateway;

before(async () => {
  claude = await startFakeAnthropic();
  const prices = { input: 3, output: 15, cached_input: 0.3, cache_write: 3.75, cache_write_1h: 6 };
  gw = await startGateway({ providers: { claude: { type: 'anthropic', base_url: claude.url, api_key: 'sk-ant-upstream-0123456789', models: { [MODEL]: prices } } } });
});
after(async () => {
  await gw.close();
  await claude.close();
});

test('cache writes with the 1-hour TTL are priced at cache_write_1h, the rest at cache_write', async () => {
  claude.setReply(() => ({ recorded: fixture('anthropic/cache-usage-1h.json') }));
  const res = await fetch(`${gw.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': gw.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({
      model: MODEL,
      max_tokens: 512,
      system: [{ type: 'text', text: 'The whole contract…', cache_control: { type: 'ephemeral', ttl: '1h' } }],
      messages: [{ role: 'user', content: 'Count the clauses.' }],
    }),
  });
  assert.equal(res.status, 200);
  const record = (await gw.usage()).at(-1)!;
  assert.deepEqual([record.promptTokens, record.cachedTokens, record.cacheWriteTokens], [21 + 1800 + 2188, 1800, 2188]);
  const expected = (21 * 3 + 1800 * 0.3 + 188 * 3.75 + 2000 * 6 + 8 * 15) / 1e6;
  assert.ok(Math.abs(record.costUsd! - expected) < 1e-12, `${record.costUsd} vs ${expected}`);
});
