/**
 * Circuit breakers end to end: a provider that keeps failing is skipped, probed once
 * after its cooldown, and trusted again when the probe succeeds, with ProviderEvents
 * on the metrics bus for `top` all along.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { ProviderEvent } from '../../src/metrics/bus.js';
import type { FakeOpenAI } from '../fakes/openai.js';
import { manualClock } from '../helpers/clock.js';
import { startCheapAndDear, type ProviderPair, type TestGateway } from '../helpers/gateway.js';

const msg = [{ role: 'user' as const, content: 'hi' }];
const COOLDOWN_MS = 300;

describe('circuit breaker', () => {
  let a: FakeOpenAI;
  let b: FakeOpenAI;
  let gw: TestGateway;
  // the cooldown passes when the test says so, not after a sleep that a slow machine may overrun
  const clock = manualClock();
  const events: ProviderEvent[] = [];

  let pair: ProviderPair;

  before(async () => {
    pair = await startCheapAndDear({ strategy: 'cost', circuit: { failures: 2, cooldown_ms: COOLDOWN_MS } }, { clock });
    ({ a, b, gw } = pair);
    gw.daemon.gateway.metrics.onProvider((ev) => events.push(ev));
  });
  after(() => pair.close());

  const ask = () => gw.client.chat.completions.create({ model: 'chat', messages: msg }).withResponse();
  const kinds = () => events.map((e) => `${e.kind} ${e.provider}/${e.model ?? '*'}`);

  test('opens after repeated failures, skips the provider, probes once after the cooldown and closes on success', async () => {
    a.setReply(() => ({ status: 500 }));
    for (let i = 0; i < 2; i++) assert.equal((await ask()).response.headers.get('x-inferoute-provider'), 'b');
    assert.deepEqual(kinds(), ['circuit_open a/chat']);
    assert.match(events[0]!.detail ?? '', /2 consecutive failures, last: HTTP 500/);

    const tried = a.requests.length;
    const open = await ask();
    assert.equal(open.response.headers.get('x-inferoute-provider'), 'b');
    assert.equal(open.response.headers.get('x-inferoute-attempts'), '1', 'the open circuit was skipped, not tried');
    assert.equal(a.requests.length, tried);

    a.setReply(() => ({}));
    clock.advance(COOLDOWN_MS - 1);
    assert.equal((await ask()).response.headers.get('x-inferoute-provider'), 'b', 'still cooling down');
    clock.advance(1);
    const probe = await ask();
    assert.equal(probe.response.headers.get('x-inferoute-provider'), 'a');
    assert.deepEqual(kinds(), ['circuit_open a/chat', 'circuit_half_open a/chat', 'circuit_closed a/chat']);
    assert.equal((await ask()).response.headers.get('x-inferoute-provider'), 'a');
  });

  test('a 502 names the candidates skipped for an open circuit', async () => {
    events.length = 0;
    a.setReply(() => ({ status: 503 }));
    try {
      for (let i = 0; i < 2; i++) await ask();
      b.setReply(() => ({ status: 500 }));
      const err = await gw.client.chat.completions.create({ model: 'chat', messages: msg }).catch((e: unknown) => e);
      assert.ok(err instanceof OpenAI.APIError);
      assert.equal(err.status, 502);
      assert.match(err.message, /a\/chat \(skipped: circuit open\)/);
      assert.deepEqual((err.error as { skipped: unknown }).skipped, [{ provider: 'a', model: 'chat', reason: 'circuit_open' }]);
    } finally {
      a.setReply(() => ({}));
      b.setReply(() => ({}));
    }
  });
});

describe('circuit breaker with every circuit open', () => {
  let a: FakeOpenAI;
  let b: FakeOpenAI;
  let gw: TestGateway;

  let pair: ProviderPair;

  before(async () => {
    pair = await startCheapAndDear({ strategy: 'cost', circuit: { failures: 1, cooldown_ms: 60_000 } });
    ({ a, b, gw } = pair);
  });
  after(() => pair.close());

  test('still tries the candidates in strategy order rather than refuse untried, and a success closes the circuit', async () => {
    a.setReply(() => ({ status: 500 }));
    b.setReply(() => ({ status: 500 }));
    await gw.client.chat.completions.create({ model: 'chat', messages: msg }).catch(() => {});
    const circuits = gw.daemon.gateway.router!.circuits;
    assert.deepEqual([circuits.state('a/chat'), circuits.state('b/chat')], ['open', 'open']);
    a.setReply(() => ({}));
    b.setReply(() => ({}));
    const { response } = await gw.client.chat.completions.create({ model: 'chat', messages: msg }).withResponse();
    assert.equal(response.headers.get('x-inferoute-provider'), 'a');
    assert.equal(circuits.state('a/chat'), 'closed');
    assert.equal(circuits.state('b/chat'), 'open');
  });
});
