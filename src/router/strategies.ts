/**
 * Strategies order candidates. They are pure: (candidates, stats, context) → a new
 * order, with the same targets. Anything that changes over time (the clock, the
 * round-robin turn) comes in through the context, so tests drive them with plain data.
 */
import type { Strategy } from '../config/schema.js';
import type { Target } from '../providers/types.js';
import type { StatsView, TargetStats } from './stats.js';

export interface StrategyContext {
  /** estimated prompt tokens of this request */
  promptTokens: number;
  /** expected completion tokens (max_tokens, or a typical completion) */
  completionTokens: number;
  /** a stable key for per-route rotation */
  routeKey: string;
  /** whether the request streams: latency then means time to first byte */
  stream: boolean;
  /** Date.now() */
  now: number;
  /** this route's round-robin turn (0, 1, 2, …) */
  turn: number;
}

export type StrategyFn = (candidates: readonly Target[], stats: StatsView, ctx: StrategyContext) => Target[];

/**
 * A slow candidate is put first again once it has been passed over this many times per
 * other candidate, so it can show it recovered: about 1 request in 15 re-measures.
 */
export const REMEASURE_EVERY = 15;
/** How fast a bad success rate is forgiven when nothing new is heard: halves each minute. */
export const SUCCESS_HALF_LIFE_MS = 60_000;

/**
 * Sorts by key ascending; ties keep the candidates' order. An insertion sort: a request
 * has a handful of candidates, and this runs on every request with two or more (a sort
 * through key objects and two maps cost ~0.5 µs of it).
 */
function sortedBy(candidates: readonly Target[], key: (t: Target) => number): Target[] {
  const keys = candidates.map(key);
  const out = candidates.slice();
  for (let i = 1; i < out.length; i++) {
    const t = out[i]!;
    const k = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && keys[j]! > k; j--) {
      out[j + 1] = out[j]!;
      keys[j + 1] = keys[j]!;
    }
    out[j + 1] = t;
    keys[j + 1] = k;
  }
  return out;
}

/** USD for this request on this target, or undefined when the config has no price. */
export function expectedCost(t: Target, ctx: Pick<StrategyContext, 'promptTokens' | 'completionTokens'>): number | undefined {
  const i = t.info;
  if (!i || (i.input === undefined && i.output === undefined)) return undefined;
  return ((i.input ?? 0) * ctx.promptTokens + (i.output ?? 0) * ctx.completionTokens) / 1e6;
}

/** Cheapest first; unpriced targets after priced ones; ties keep config order. */
export const byCost: StrategyFn = (candidates, _stats, ctx) =>
  sortedBy(candidates, (t) => expectedCost(t, ctx) ?? Number.POSITIVE_INFINITY);

/** The latency that matters for this request, or undefined when never measured. */
export function observedLatency(s: TargetStats | undefined, stream: boolean): number | undefined {
  if (!s) return undefined;
  const v = stream ? (s.ttfbMs ?? s.latencyMs) : (s.latencyMs ?? s.ttfbMs);
  return v ?? undefined;
}

/**
 * Fastest first. A candidate never tried goes first (config order among them), so
 * every candidate gets measured; then the one most overdue for a re-measurement, if
 * any is due; then by measured latency. A candidate whose first attempt is still
 * under way, or that only ever failed, sorts last.
 */
export const byLatency: StrategyFn = (candidates, stats, ctx) => {
  const n = candidates.length;
  let untried = -1;
  let due = -1;
  let dueBy = 0;
  for (let i = 0; i < n; i++) {
    const s = stats.get(candidates[i]!);
    if (!s || s.started === 0) {
      untried = i;
      break;
    }
    const overdue = s.passedOver - REMEASURE_EVERY * (n - 1);
    if (overdue >= 0 && overdue >= dueBy) {
      due = i;
      dueBy = overdue;
    }
  }
  const first = untried >= 0 ? untried : due;
  const ordered = sortedBy(candidates, (t) => {
    const s = stats.get(t);
    if (!s || s.started === 0) return Number.NEGATIVE_INFINITY;
    return observedLatency(s, ctx.stream) ?? Number.POSITIVE_INFINITY;
  });
  if (first < 0) return ordered;
  const pick = candidates[first]!;
  return [pick, ...ordered.filter((t) => t !== pick)];
};

/** Success rate with old failures forgiven over time, so a provider that had a bad minute gets another chance. */
export function currentSuccessRate(s: TargetStats | undefined, now: number): number {
  if (!s || s.attempts === 0) return 1;
  const age = Math.max(0, now - s.lastAt);
  return 1 - (1 - s.successRate) * Math.pow(2, -age / SUCCESS_HALF_LIFE_MS);
}

/** Healthiest first: recent success rate, ties in config order. (Open circuits go last in plan.ts, for every strategy.) */
export const byAvailability: StrategyFn = (candidates, stats, ctx) =>
  sortedBy(candidates, (t) => -Math.round(currentSuccessRate(stats.get(t), ctx.now) * 1000));

const scheduleCache = new Map<string, number[]>();

/** Integer weights with a small sum that keep the ratios (to 1%). */
function integerWeights(weights: readonly number[]): number[] {
  const min = Math.min(...weights);
  const scaled = weights.map((w) => Math.max(1, Math.round((w / min) * 100)));
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let g = scaled[0]!;
  for (const w of scaled) g = gcd(g, w);
  let ints = scaled.map((w) => w / g);
  const sum = ints.reduce((a, b) => a + b, 0);
  if (sum > 1000) ints = ints.map((w) => Math.max(1, Math.round((w * 1000) / sum)));
  return ints;
}

/**
 * One period of smooth weighted round-robin (nginx's): weights 5,1,1 give
 * a a b a c a a rather than a a a a a b c. Memoised per weight vector.
 */
export function weightedSchedule(weights: readonly number[]): number[] {
  const key = weights.join(',');
  const cached = scheduleCache.get(key);
  if (cached) return cached;
  const ints = integerWeights(weights);
  const total = ints.reduce((a, b) => a + b, 0);
  const current = ints.map(() => 0);
  const out: number[] = [];
  for (let step = 0; step < total; step++) {
    let best = 0;
    for (let i = 0; i < ints.length; i++) {
      current[i]! += ints[i]!;
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    out.push(best);
  }
  if (scheduleCache.size > 256) scheduleCache.clear();
  scheduleCache.set(key, out);
  return out;
}

/**
 * Rotates per route: turn t puts candidate t mod n first (or, with unequal provider
 * weights, the t-th slot of a smooth weighted schedule), the rest follow in order.
 */
export const byRoundRobin: StrategyFn = (candidates, _stats, ctx) => {
  const n = candidates.length;
  if (n < 2) return [...candidates];
  let equal = true;
  const w0 = candidates[0]!.provider.weight;
  for (let i = 1; i < n; i++) if (candidates[i]!.provider.weight !== w0) equal = false;
  let first: number;
  if (equal) first = ctx.turn % n;
  else {
    const schedule = weightedSchedule(candidates.map((t) => t.provider.weight));
    first = schedule[ctx.turn % schedule.length]!;
  }
  const out: Target[] = [];
  for (let i = 0; i < n; i++) out.push(candidates[(first + i) % n]!);
  return out;
};

export const STRATEGY_FNS: Record<Strategy, StrategyFn> = {
  cost: byCost,
  latency: byLatency,
  availability: byAvailability,
  'round-robin': byRoundRobin,
};
