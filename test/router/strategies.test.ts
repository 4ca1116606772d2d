import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RouterStats } from '../../src/router/stats.js';
import {
  byAvailability,
  byCost,
  byLatency,
  byRoundRobin,
  currentSuccessRate,
  REMEASURE_EVERY,
  SUCCESS_HALF_LIFE_MS,
  weightedSchedule,
} from '../../src/router/strategies.js';
import { ctx, names, stats, target, view } from './targets.js';

const none = view({});

describe('cost strategy', () => {
  test('puts the cheapest candidate for the expected tokens first', () => {
    const a = target('a', 'm', { input: 3, output: 15 });
    const b = target('b', 'm', { input: 0.15, output: 0.6 });
    const c = target('c', 'm', { input: 1, output: 1 });
    assert.deepEqual(names(byCost([a, b, c], none, ctx())), ['b', 'c', 'a']);
  });

  test('weighs prompt and completion tokens: a cheap-input model wins a long prompt, a cheap-output one a long answer', () => {
    const cheapIn = target('in', 'm', { input: 0.1, output: 10 });
    const cheapOut = target('out', 'm', { input: 5, output: 0.5 });
    assert.deepEqual(names(byCost([cheapOut, cheapIn], none, ctx({ promptTokens: 100_000, completionTokens: 10 }))), ['in', 'out']);
    assert.deepEqual(names(byCost([cheapIn, cheapOut], none, ctx({ promptTokens: 10, completionTokens: 4000 }))), ['out', 'in']);
  });

  test('unpriced candidates go after priced ones, ties keep config order', () => {
    const free = target('free');
    const x = target('x', 'm', { input: 1, output: 1 });
    const y = target('y', 'm', { input: 1, output: 1 });
    assert.deepEqual(names(byCost([free, x, y], none, ctx())), ['x', 'y', 'free']);
  });

  test('any number of candidates comes out as a stable sort by expected cost would order them', () => {
    let seed = 11;
    const rand = (n: number) => {
      seed = (seed * 48271) % 2147483647;
      return seed % n;
    };
    const prices = [0.1, 0.5, 1, 1, 3, undefined];
    for (let round = 0; round < 500; round++) {
      const candidates = Array.from({ length: 1 + rand(9) }, (_, i) => {
        const price = prices[rand(prices.length)];
        return price === undefined ? target(`t${i}`) : target(`t${i}`, 'm', { input: price, output: prices[rand(5)] });
      });
      const cost = (t: (typeof candidates)[number]) => (t.info ? (t.info.input! * 1000 + t.info.output! * 200) / 1e6 : Infinity);
      const expected = candidates.map((t, i) => ({ t, i })).sort((a, b) => (cost(a.t) === cost(b.t) ? a.i - b.i : cost(a.t) - cost(b.t))).map((x) => x.t);
      assert.deepEqual(names(byCost(candidates, none, ctx())), names(expected));
    }
  });
});

describe('latency strategy', () => {
  const fast = target('fast');
  const slow = target('slow');

  test('tries a candidate with no data first, in config order', () => {
    const s = view({ 'fast/m': stats({ latencyMs: 10 }) });
    assert.deepEqual(names(byLatency([fast, slow], s, ctx())), ['slow', 'fast']);
    assert.deepEqual(names(byLatency([slow, fast], none, ctx())), ['slow', 'fast']);
  });

  test('orders by measured latency once every candidate has data', () => {
    const s = view({ 'fast/m': stats({ latencyMs: 10 }), 'slow/m': stats({ latencyMs: 50 }) });
    assert.deepEqual(names(byLatency([slow, fast], s, ctx())), ['fast', 'slow']);
  });

  test('uses time to first byte for streams and whole-response latency otherwise', () => {
    const s = view({ 'fast/m': stats({ latencyMs: 900, ttfbMs: 50 }), 'slow/m': stats({ latencyMs: 400, ttfbMs: 300 }) });
    assert.deepEqual(names(byLatency([fast, slow], s, ctx({ stream: true }))), ['fast', 'slow']);
    assert.deepEqual(names(byLatency([fast, slow], s, ctx({ stream: false }))), ['slow', 'fast']);
  });

  test('re-measures a slow candidate once it has been passed over long enough', () => {
    const due = view({ 'fast/m': stats({ latencyMs: 10 }), 'slow/m': stats({ latencyMs: 50, passedOver: REMEASURE_EVERY }) });
    assert.deepEqual(names(byLatency([fast, slow], due, ctx())), ['slow', 'fast']);
    const notYet = view({ 'fast/m': stats({ latencyMs: 10 }), 'slow/m': stats({ latencyMs: 50, passedOver: REMEASURE_EVERY - 1 }) });
    assert.deepEqual(names(byLatency([fast, slow], notYet, ctx())), ['fast', 'slow']);
  });

  test('a burst does not all go to an untried candidate: once its first attempt is under way it waits for the result', () => {
    const rs = new RouterStats();
    rs.success(fast, 10, false);
    rs.start(fast);
    assert.deepEqual(names(byLatency([fast, slow], rs, ctx())), ['slow', 'fast']);
    rs.start(slow); // the first request to `slow` is in flight
    assert.deepEqual(names(byLatency([fast, slow], rs, ctx())), ['fast', 'slow']);
  });

  test('a candidate that only ever failed sorts after measured ones', () => {
    const s = view({ 'fast/m': stats({ attempts: 3, failures: 3 }), 'slow/m': stats({ latencyMs: 50 }) });
    assert.deepEqual(names(byLatency([fast, slow], s, ctx())), ['slow', 'fast']);
  });

  test('fed by real stats, sends at least 80% to a 5× faster candidate and moves back when it recovers', () => {
    const rs = new RouterStats();
    const a = target('a');
    const b = target('b');
    let latency: Record<string, number> = { a: 10, b: 50 };
    const run = (n: number) => {
      const served: Record<string, number> = { a: 0, b: 0 };
      for (let i = 0; i < n; i++) {
        const ordered = byLatency([a, b], rs, ctx());
        rs.notePlanned(ordered);
        const first = ordered[0]!;
        rs.start(first);
        rs.success(first, latency[first.provider.name]!, false);
        served[first.provider.name]!++;
      }
      return served;
    };
    run(5); // warm-up
    assert.ok(run(100).a >= 80);
    latency = { a: 50, b: 10 }; // a degrades
    run(40);
    assert.ok(run(100).b >= 80, 'traffic moves to b while a is slow');
    latency = { a: 10, b: 50 }; // a recovers
    run(40);
    assert.ok(run(100).a >= 80, 'and back to a once a re-measurement shows it recovered');
  });
});

describe('availability strategy', () => {
  const a = target('a');
  const b = target('b');

  test('puts the candidate with the better recent success rate first', () => {
    const s = view({ 'a/m': stats({ successRate: 0.5, lastAt: 1_000_000 }), 'b/m': stats({ successRate: 0.99, lastAt: 1_000_000 }) });
    assert.deepEqual(names(byAvailability([a, b], s, ctx())), ['b', 'a']);
  });

  test('untried candidates count as healthy; ties keep config order', () => {
    assert.deepEqual(names(byAvailability([a, b], none, ctx())), ['a', 'b']);
  });

  test('forgives old failures over time, so a provider that had a bad minute gets traffic again', () => {
    const s = stats({ successRate: 0.2, lastAt: 0 });
    assert.ok(Math.abs(currentSuccessRate(s, 0) - 0.2) < 1e-9);
    assert.ok(Math.abs(currentSuccessRate(s, SUCCESS_HALF_LIFE_MS) - 0.6) < 1e-9);
    const old = view({ 'a/m': stats({ successRate: 0.2, lastAt: 0 }) });
    assert.deepEqual(names(byAvailability([a, b], old, ctx({ now: 20 * SUCCESS_HALF_LIFE_MS }))), ['a', 'b']);
  });
});

describe('round-robin strategy', () => {
  const [a, b, c] = [target('a'), target('b'), target('c')];

  test('rotates the first candidate with the turn, the rest following in order', () => {
    assert.deepEqual(names(byRoundRobin([a, b, c], none, ctx({ turn: 0 }))), ['a', 'b', 'c']);
    assert.deepEqual(names(byRoundRobin([a, b, c], none, ctx({ turn: 1 }))), ['b', 'c', 'a']);
    assert.deepEqual(names(byRoundRobin([a, b, c], none, ctx({ turn: 5 }))), ['c', 'a', 'b']);
  });

  test('splits 100 turns evenly between two candidates', () => {
    const counts: Record<string, number> = { a: 0, b: 0 };
    for (let turn = 0; turn < 100; turn++) counts[byRoundRobin([a, b], none, ctx({ turn }))[0]!.provider.name]!++;
    assert.deepEqual(counts, { a: 50, b: 50 });
  });

  test('honours provider weights, interleaved rather than in runs', () => {
    const heavy = target('heavy', 'm', { weight: 3 });
    const light = target('light', 'm', { weight: 1 });
    const firsts = Array.from({ length: 8 }, (_, turn) => byRoundRobin([heavy, light], none, ctx({ turn }))[0]!.provider.name);
    assert.equal(firsts.filter((n) => n === 'heavy').length, 6);
    assert.deepEqual(weightedSchedule([5, 1, 1]), [0, 0, 1, 0, 2, 0, 0]);
    assert.deepEqual(weightedSchedule([1.5, 1]), [0, 1, 0, 1, 0]);
  });
});
