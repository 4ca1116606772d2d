/**
 * Strategies order candidates; they are pure: (candidates, context) → candidates.
 */
import type { Strategy } from '../config/schema.js';
import type { Target } from '../providers/types.js';

export interface StrategyContext {
  /** estimated prompt tokens of this request */
  promptTokens: number;
  /** expected completion tokens (max_tokens, or a typical completion) */
  completionTokens: number;
  /** a stable key for per-route rotation */
  routeKey: string;
}

export type StrategyFn = (candidates: Target[], ctx: StrategyContext) => Target[];

/** USD for this request on this target, or undefined when the config has no price. */
export function expectedCost(t: Target, ctx: StrategyContext): number | undefined {
  const i = t.info;
  if (!i || (i.input === undefined && i.output === undefined)) return undefined;
  return ((i.input ?? 0) * ctx.promptTokens + (i.output ?? 0) * ctx.completionTokens) / 1e6;
}

/** Cheapest first; unpriced targets after priced ones; ties keep config order. */
export const byCost: StrategyFn = (candidates, ctx) =>
  candidates
    .map((t, i) => ({ t, i, c: expectedCost(t, ctx) ?? Number.POSITIVE_INFINITY }))
    .sort((a, b) => a.c - b.c || a.i - b.i)
    .map((x) => x.t);

const inConfigOrder: StrategyFn = (candidates) => candidates;

/** Strategies not implemented yet keep config order (issue 4 brings latency, availability, round-robin). */
export const STRATEGY_FNS: Record<Strategy, StrategyFn> = {
  cost: byCost,
  latency: inConfigOrder,
  availability: inConfigOrder,
  'round-robin': inConfigOrder,
};
