import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { openDatabase } from '../../src/store/db.js';
import { usageReport } from '../../src/store/usage-report.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { eventually, fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

describe('usage records match what the provider reported, exactly', () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;

  before(async () => {
    fake = await startFakeOpenAI();
    gw = await startGateway({
      providers: { acme: fakeProvider(fake.url, { 'gpt-fake': { input: 2, output: 8, cached_input: 1 }, 'no-price': null }) },
    });
  });
  after(async () => {
    await gw.close();
    await fake.close();
  });

  test('totals over streams, non-streams, completions and an unpriced model equal the fake’s token counts', async () => {
    const { id, key } = gw.mintKey({ budgetUsd: 100, rpm: 100, tpm: 1_000_000 });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    const messages = [{ role: 'user' as const, content: 'count' }];
    const sent = { prompt: 0, completion: 0, cached: 0, cost: 0 };
    let n = 0;
    // the legacy completions stream carries no cached-token count on the wire
    const next = (model: string, cacheable = true) => {
      n++;
      const usage = { prompt_tokens: 100 + n * 7, completion_tokens: 10 + n * 3, cached_tokens: cacheable && n % 3 === 0 ? 50 : 0 };
      fake.setReply(() => ({ usage, sliceBytes: n % 2 ? 37 : undefined }));
      sent.prompt += usage.prompt_tokens;
      sent.completion += usage.completion_tokens;
      sent.cached += usage.cached_tokens;
      if (model === 'gpt-fake') sent.cost += ((usage.prompt_tokens - usage.cached_tokens) * 2 + usage.cached_tokens * 1 + usage.completion_tokens * 8) / 1e6;
      return model;
    };

    for (let i = 0; i < 3; i++) await client.chat.completions.create({ model: next('gpt-fake'), messages });
    for (let i = 0; i < 3; i++) {
      const s = await client.chat.completions.create({ model: next('gpt-fake'), messages, stream: true });
      for await (const _ of s) void _;
    }
    const withUsage = await client.chat.completions.create({ model: next('gpt-fake'), messages, stream: true, stream_options: { include_usage: true } });
    for await (const _ of withUsage) void _;
    await client.completions.create({ model: next('gpt-fake'), prompt: 'legacy' });
    const legacy = await client.completions.create({ model: next('gpt-fake', false), prompt: 'legacy', stream: true });
    for await (const _ of legacy) void _;
    await client.chat.completions.create({ model: next('no-price'), messages });
    const s = await client.chat.completions.create({ model: next('no-price'), messages, stream: true });
    for await (const _ of s) void _;
    fake.setReply(() => ({}));

    const records = (await gw.usage()).filter((r) => r.keyId === id);
    assert.equal(records.length, n);
    assert.ok(records.every((r) => r.status === 200 && !r.usageEstimated));
    assert.equal(records.filter((r) => r.costUsd === null).length, 2, 'unpriced requests are served and recorded with cost null');

    const db = openDatabase(gw.paths.db);
    try {
      const { totals, groups } = usageReport(db, { keyId: id }, 'model');
      assert.equal(totals.requests, n);
      assert.equal(totals.errors, 0);
      assert.equal(totals.promptTokens, sent.prompt);
      assert.equal(totals.completionTokens, sent.completion);
      assert.equal(totals.cachedTokens, sent.cached);
      assert.ok(Math.abs(totals.costUsd - sent.cost) < 1e-12, `${totals.costUsd} vs ${sent.cost}`);
      assert.equal(totals.unpriced, 2);
      assert.ok(totals.p50LatencyMs !== null && totals.p50LatencyMs > 0);
      assert.deepEqual(
        groups.map((g) => [g.group, g.requests, g.unpriced]),
        [
          ['acme/gpt-fake', n - 2, 0],
          ['acme/no-price', 2, 2],
        ],
      );
    } finally {
      db.close();
    }
    const budget = gw.daemon.gateway.limits!.status(id).budget!;
    assert.ok(Math.abs(budget.spentUsd - sent.cost) < 1e-12, 'the in-memory budget saw the same cost');
    assert.equal(budget.reservedUsd, 0);
  });

  test('a stream the client abandons is still recorded once and releases its reservation', async () => {
    const { id, key } = gw.mintKey({ budgetUsd: 1 });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    fake.setReply(() => ({ pieces: Array.from({ length: 50 }, () => 'z'), chunkDelayMs: 10 }));
    const stream = await client.chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'x' }], stream: true, max_tokens: 100 });
    for await (const _ of stream) break;
    fake.setReply(() => ({}));
    await eventually(async () => (await gw.usage()).some((r) => r.keyId === id));
    const records = (await gw.usage()).filter((r) => r.keyId === id);
    assert.equal(records.length, 1);
    assert.equal(records[0]!.status, 499);
    assert.equal(gw.daemon.gateway.limits!.status(id).budget!.reservedUsd, 0);
  });
});
