/**
 * Where traffic goes under each strategy, measured end to end: the real daemon and
 * its own latency/success measurements, fake providers on loopback.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';
import { manualClock } from '../helpers/clock.js';

const msg = [{ role: 'user' as const, content: 'hi' }];

describe('traffic distribution per strategy', () => {
  let a: FakeOpenAI;
  let b: FakeOpenAI;
  let gw: TestGateway;
  /** the daemon's clock: a fake provider "takes" its time by moving it, so latencies are exact */
  const clock = manualClock();

  before(async () => {
    [a, b] = await Promise.all([startFakeOpenAI(), startFakeOpenAI()]);
    gw = await startGateway({
      routing: { strategy: 'cost', circuit: { failures: 1000 } },
      providers: {
        a: fakeProvider(a.url, { chat: { input: 0.1, output: 0.2 } }),
        b: fakeProvider(b.url, { chat: { input: 2, output: 4 } }),
      },
      routes: { rr: { strategy: 'round-robin', targets: ['a/chat', 'b/chat'] } },
    }, { clock });
  });
  after(async () => {
    await gw.close();
    await Promise.all([a.close(), b.close()]);
  });

  /** Sends `n` requests (`parallel` at a time) and counts who served them. */
  async function send(n: number, opts: { model?: string; strategy?: string; parallel?: number } = {}) {
    const served: Record<string, number> = { a: 0, b: 0 };
    const headers: Record<string, string> = opts.strategy ? { 'X-Inferoute-Strategy': opts.strategy } : {};
    const parallel = opts.parallel ?? 1;
    for (let i = 0; i < n; i += parallel) {
      const batch = Array.from({ length: Math.min(parallel, n - i) }, () =>
        gw.client.chat.completions.create({ model: opts.model ?? 'chat', messages: msg }, { headers }).withResponse(),
      );
      for (const { response } of await Promise.all(batch)) served[response.headers.get('x-inferoute-provider')!]!++;
    }
    return served;
  }

  test('cost sends every request to the cheapest provider', async () => {
    assert.deepEqual(await send(20, { parallel: 5 }), { a: 20, b: 0 });
  });

  test('round-robin splits 100 requests evenly (±2)', async () => {
    const served = await send(100, { strategy: 'round-robin', parallel: 10 });
    assert.ok(Math.abs(served.a! - 50) <= 2 && Math.abs(served.b! - 50) <= 2, JSON.stringify(served));
  });

  test('precedence: the X-Inferoute-Strategy header beats the route, which beats the default', async () => {
    assert.deepEqual(await send(4, { model: 'rr' }), { a: 2, b: 2 }, 'the route says round-robin');
    assert.deepEqual(await send(4, { model: 'rr', strategy: 'cost' }), { a: 4, b: 0 }, 'the header says cost');
    assert.deepEqual(await send(4), { a: 4, b: 0 }, 'the default says cost');
    const strategies = (await gw.usage()).slice(-12).map((r) => r.strategy);
    assert.deepEqual(strategies, [...Array(4).fill('round-robin'), ...Array(8).fill('cost')]);
  });

  test('latency sends at least 80% to a 5× faster provider after warm-up, and moves back when the other recovers', async () => {
    try {
      const takes = (ms: number) => () => (clock.advance(ms), {});
      a.setReply(takes(50));
      b.setReply(takes(10));
      await send(5, { strategy: 'latency' }); // warm-up: both get measured
      const fastB = await send(25, { strategy: 'latency' });
      assert.ok(fastB.b! >= 20, `b is 5× faster: ${JSON.stringify(fastB)}`);

      a.setReply(takes(10));
      b.setReply(takes(50));
      await send(20, { strategy: 'latency' }); // b's average climbs; a gets re-measured
      const fastA = await send(20, { strategy: 'latency' });
      assert.ok(fastA.a! >= 16, `a recovered: ${JSON.stringify(fastA)}`);
    } finally {
      a.setReply(() => ({}));
      b.setReply(() => ({}));
    }
  });

  test('availability routes around a provider that fails every request', async () => {
    a.setReply(() => ({ status: 500 }));
    try {
      const before = a.requests.length;
      const served = await send(20, { strategy: 'availability' });
      assert.deepEqual(served, { a: 0, b: 20 }, 'every request still succeeds');
      assert.ok(a.requests.length - before <= 2, `the failing provider was tried ${a.requests.length - before} times`);
    } finally {
      a.setReply(() => ({}));
    }
  });
});
