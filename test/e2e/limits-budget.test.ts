import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { DEFAULT_OUTPUT_CAP } from '../../src/gateway/budget.js';
import { SqliteKeyStore } from '../../src/store/keys.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { fakeProvider, startGateway, tempHome, type TestGateway } from '../helpers/gateway.js';

const messages = [{ role: 'user' as const, content: 'hi' }];
// Output at $250,000 per million tokens: the fake's 4 completion tokens cost exactly $1.
const PRICES = {
  dollar: { input: 0, output: 250_000 },
  capped: { input: 0, output: 250_000, max_output: 8 },
  uncapped: { input: 0, output: 1000 },
  free: null,
};
const config = (url: string) => ({ providers: { acme: fakeProvider(url, PRICES) } });

async function settleAll<T>(n: number, fn: () => Promise<T>) {
  const results = await Promise.allSettled(Array.from({ length: n }, fn));
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  return { ok: results.length - errors.length, errors };
}

function assertQuotaErrors(errors: unknown[]) {
  for (const err of errors) {
    assert.ok(err instanceof OpenAI.APIError, String(err));
    assert.equal(err.status, 402);
    assert.equal(err.code, 'insufficient_quota');
  }
}

describe('budgets hold under concurrency and survive restarts', () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;
  let home: string;
  const clientFor = (key: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
  const spentBy = async (keyId: string) => (await gw.usage()).filter((r) => r.keyId === keyId).reduce((s, r) => s + (r.costUsd ?? 0), 0);

  before(async () => {
    fake = await startFakeOpenAI();
    home = tempHome();
    gw = await startGateway(config(fake.url), { home });
  });
  after(async () => {
    await gw.close();
    await fake.close();
    rmSync(home, { recursive: true, force: true });
  });

  test('50 concurrent requests with max_tokens against a budget worth 10: exactly 10 served, spend never above the budget', async () => {
    const { id, key } = gw.mintKey({ budgetUsd: 10, budgetPeriod: 'day' });
    fake.setReply(() => ({ delayMs: 40 }));
    const client = clientFor(key);
    const { ok, errors } = await settleAll(50, () => client.chat.completions.create({ model: 'dollar', messages, max_tokens: 4 }));
    fake.setReply(() => ({}));
    assert.equal(ok, 10);
    assert.equal(errors.length, 40);
    assertQuotaErrors(errors);
    assert.equal(await spentBy(id), 10);
    const status = gw.daemon.gateway.limits!.status(id).budget!;
    assert.equal(status.spentUsd, 10);
    assert.equal(status.reservedUsd, 0);
    const err = await client.chat.completions.create({ model: 'dollar', messages, max_tokens: 1 }).catch((e: unknown) => e);
    assertQuotaErrors([err]);
    assert.match((err as Error).message, /budget/);
  });

  test('without max_tokens the model’s max_output is reserved, and the reservation is released to the real cost', async () => {
    const { id, key } = gw.mintKey({ budgetUsd: 10, budgetPeriod: 'total' });
    fake.setReply(() => ({ delayMs: 60 }));
    const client = clientFor(key);
    // each reserves 8 tokens ($2) and costs 4 ($1): five fit at once
    const first = await settleAll(50, () => client.chat.completions.create({ model: 'capped', messages }));
    assert.equal(first.ok, 5);
    assertQuotaErrors(first.errors);
    assert.equal(await spentBy(id), 5);
    // $5 left: two more at once (a third would need $6 reserved)
    const second = await settleAll(10, () => client.chat.completions.create({ model: 'capped', messages }));
    fake.setReply(() => ({}));
    assert.equal(second.ok, 2);
    assert.equal(await spentBy(id), 7);
  });

  test('with a provider that ignores the output cap, overspend is bounded by what the requests in flight used beyond their reservation', async () => {
    const { id, key } = gw.mintKey({ budgetUsd: 10, budgetPeriod: 'month' });
    // $1000 per million: each reserves 4096 tokens ($4.096) but the provider produces 6000 ($6)
    const reserved = (DEFAULT_OUTPUT_CAP * 1000) / 1e6;
    fake.setReply(() => ({ delayMs: 40, usage: { prompt_tokens: 10, completion_tokens: 6000 } }));
    const client = clientFor(key);
    const { ok, errors } = await settleAll(20, () => client.chat.completions.create({ model: 'uncapped', messages }));
    fake.setReply(() => ({}));
    // two full worst cases, and a third capped to the $1.808 the two leave; then not even 16 tokens fit
    assert.equal(ok, Math.floor(10 / reserved) + 1);
    assertQuotaErrors(errors);
    const spent = await spentBy(id);
    assert.ok(spent > 10, 'this setup does overspend');
    // every dollar of the budget was reserved, and each request cost $6 (+ its prompt)
    assert.ok(spent <= 10 + ok * 6.00001 - (10 - 0.001), `spent ${spent}`);
    const after = await client.chat.completions.create({ model: 'uncapped', messages, max_tokens: 1 }).catch((e: unknown) => e);
    assertQuotaErrors([after]);
  });

  test('a budget added to a busy key starts from its spend, records on their way to disk included, without blocking the loop', async () => {
    const { id, key } = gw.mintKey();
    await clientFor(key).chat.completions.create({ model: 'dollar', messages }); // $1, queued for the writer thread
    const wait = Atomics.wait;
    let waits = 0;
    Atomics.wait = ((...args: Parameters<typeof Atomics.wait>) => (waits++, wait(...args))) as typeof Atomics.wait;
    try {
      new SqliteKeyStore(gw.daemon.db).update(id, { budgetUsd: 10, budgetPeriod: 'total' });
      gw.daemon.gateway.keys.reload(); // what the watcher does: the limiter loads the key's spend now
    } finally {
      Atomics.wait = wait;
    }
    assert.equal(waits, 0, 'loading the spend did not wait on the writer thread');
    assert.equal(gw.daemon.gateway.limits!.status(id).budget!.spentUsd, 1);
  });

  test('an unpriced model is served and recorded with cost null, and does not use the budget', async () => {
    const { id, key } = gw.mintKey({ budgetUsd: 1, budgetPeriod: 'day' });
    const res = await clientFor(key).chat.completions.create({ model: 'free', messages });
    assert.equal(res.model, 'acme/free');
    const rec = (await gw.usage()).filter((r) => r.keyId === id);
    assert.equal(rec.length, 1);
    assert.equal(rec[0]!.costUsd, null);
    assert.equal(gw.daemon.gateway.limits!.status(id).budget!.spentUsd, 0);
  });

  test('streams hold their reservation until they end, then settle to the real cost', async () => {
    const { id, key } = gw.mintKey({ budgetUsd: 3, budgetPeriod: 'week' });
    fake.setReply(() => ({ chunkDelayMs: 20 }));
    const client = clientFor(key);
    const streams = await Promise.all([1, 2, 3].map(() => client.chat.completions.create({ model: 'dollar', messages, max_tokens: 4, stream: true })));
    assert.equal(gw.daemon.gateway.limits!.status(id).budget!.reservedUsd, 3);
    const err = await client.chat.completions.create({ model: 'dollar', messages, max_tokens: 1 }).catch((e: unknown) => e);
    assertQuotaErrors([err]);
    for (const s of streams) for await (const _ of s) void _;
    fake.setReply(() => ({}));
    const status = gw.daemon.gateway.limits!.status(id).budget!;
    assert.deepEqual([status.spentUsd, status.reservedUsd], [3, 0]);
    assert.equal(await spentBy(id), 3);
  });

  test('spend in the current period survives a daemon restart', async () => {
    const { id, key } = gw.mintKey({ budgetUsd: 2.5, budgetPeriod: 'day' });
    const client = clientFor(key);
    await client.chat.completions.create({ model: 'dollar', messages, max_tokens: 4 });
    await client.chat.completions.create({ model: 'dollar', messages, max_tokens: 4 });
    await gw.daemon.close(500);
    gw = await startGateway(config(fake.url), { home });
    assert.equal(gw.daemon.gateway.limits!.status(id).budget!.spentUsd, 2);
    const err = await clientFor(key).chat.completions.create({ model: 'dollar', messages, max_tokens: 4 }).catch((e: unknown) => e);
    assertQuotaErrors([err]);
    fake.setReply(() => ({ usage: { prompt_tokens: 5, completion_tokens: 2 } }));
    const ok = await clientFor(key).chat.completions.create({ model: 'dollar', messages, max_tokens: 2 });
    fake.setReply(() => ({}));
    assert.equal(ok.model, 'acme/dollar', 'half a dollar still fits');
    assert.equal(await spentBy(id), 2.5);
  });
});
