/**
 * Budgets: reserve a request's worst-case cost before it is forwarded, settle to its
 * real cost when its usage record is written. Spent + reserved never passes the limit,
 * so concurrent requests cannot overspend beyond what their reservations underestimated.
 */
import { DEFAULT_OUTPUT_CAP, type ModelConfig } from '../config/schema.js';
import { GatewayError } from '../errors.js';
import { periodWindow, type PeriodWindow } from '../keys/period.js';
import type { Operation, Target } from '../providers/types.js';
import type { BudgetPeriod } from '../store/keys.js';
import { measurePrompt } from '../util/token-estimate.js';
import { costOf } from './tokens.js';
import type { OutputFit } from './types.js';

export type { OutputFit } from './types.js';

export { DEFAULT_OUTPUT_CAP };
/** A generous image cost in tokens (high detail, many tiles); a data URL's length says nothing. */
const IMAGE_TOKENS = 1600;
/** Per object (message, content part, tool) formatting tokens a provider adds. */
const OBJECT_OVERHEAD = 4;

/**
 * An upper bound on prompt tokens: a BPE token covers at least one UTF-8 byte, so the
 * byte count of every string bounds the text, plus formatting overhead and images.
 */
export function promptTokenCeiling(op: Operation, body: Record<string, unknown>): number {
  const size = measurePrompt(op, body);
  return size.bytes + size.numbers + size.images * IMAGE_TOKENS + (size.objects + 1) * OBJECT_OVERHEAD;
}

/** The most completion tokens a request can produce: max_tokens (× n choices), else the model's output cap. */
export function completionTokenCeiling(op: Operation, body: Record<string, unknown>, info: ModelConfig | null): number {
  if (op === 'embeddings') return 0;
  const requested = body.max_completion_tokens ?? body.max_tokens;
  const perChoice = typeof requested === 'number' && requested > 0 ? requested : (info?.max_output ?? DEFAULT_OUTPUT_CAP);
  const choices = Math.max(1, Number(body.n ?? 1) || 1, Number(body.best_of ?? 1) || 1);
  return perChoice * choices;
}

/** The worst-case cost of a request over every candidate it may be served by (unpriced models cost 0). */
export function worstCaseCostUsd(op: Operation, body: Record<string, unknown>, candidates: readonly Target[]): number {
  const promptTokens = promptTokenCeiling(op, body);
  let worst = 0;
  for (const t of candidates) {
    const cost = costOf(t.info, { promptTokens, completionTokens: completionTokenCeiling(op, body, t.info), cachedTokens: 0 });
    if (cost !== null && cost > worst) worst = cost;
  }
  return worst;
}

/** The shortest answer worth forwarding: below this a capped request is refused (402) instead. */
export const MIN_ANSWER_TOKENS = 16;


/**
 * When the worst case does not fit the remaining budget but the prompt does: the most
 * output tokens per choice that every candidate can bill within `remainingUsd` (reasoning
 * tokens are billed as output, so they are inside the cap), or undefined when not even
 * MIN_ANSWER_TOKENS fit. The reservation stays a true worst case, so nothing overspends.
 */
export function fitOutputToBudget(op: Operation, body: Record<string, unknown>, candidates: readonly Target[], remainingUsd: number): OutputFit | undefined {
  if (op === 'embeddings') return undefined;
  const promptTokens = promptTokenCeiling(op, body);
  const choices = Math.max(1, Number(body.n ?? 1) || 1, Number(body.best_of ?? 1) || 1);
  let cap = Infinity;
  for (const t of candidates) {
    const promptOnly = costOf(t.info, { promptTokens, completionTokens: 0, cachedTokens: 0 });
    if (promptOnly === null) continue; // unpriced: free whatever it answers
    const perToken = (costOf(t.info, { promptTokens, completionTokens: choices, cachedTokens: 0 })! - promptOnly) / choices;
    const left = remainingUsd - promptOnly;
    if (left < 0) return undefined;
    if (perToken > 0) cap = Math.min(cap, Math.floor(left / perToken));
    cap = Math.min(cap, completionTokenCeiling(op, body, t.info) / choices);
  }
  if (!Number.isFinite(cap)) return undefined;
  const worst = (n: number) => worstCaseCostUsd(op, { ...body, max_completion_tokens: n, max_tokens: undefined }, candidates);
  // floor() above may still round a hair over the budget in floating point: step down until it fits
  while (cap >= MIN_ANSWER_TOKENS && worst(cap) > remainingUsd) cap--;
  if (cap < MIN_ANSWER_TOKENS) return undefined;
  return { outputCap: cap, worstUsd: worst(cap) };
}

/** Float noise from summing many small costs must not refuse a request that fits exactly. */
const EPSILON = 1e-9;

/** One key's budget in its current period: spent (settled) and reserved (in flight). */
export class BudgetState {
  window: PeriodWindow;
  spent = 0;
  reserved = 0;
  inFlight = 0;

  constructor(
    readonly keyId: string,
    public limitUsd: number,
    public period: BudgetPeriod,
    private readonly loadSpent: (keyId: string, since: number) => number,
    /** the wall clock (ms since the epoch) that periods are measured on; never Date.now directly */
    private readonly wallClock: () => number,
  ) {
    const now = wallClock();
    this.window = periodWindow(period, now);
    this.spent = loadSpent(keyId, this.window.start);
  }

  /** A new period (or an edited period) starts from what the usage table says. */
  changePeriod(period: BudgetPeriod, now: number): void {
    this.period = period;
    this.window = periodWindow(period, now);
    this.spent = this.loadSpent(this.keyId, this.window.start);
  }

  private roll(now: number): void {
    if (now >= this.window.end) {
      this.window = periodWindow(this.period, now);
      this.spent = 0;
    }
  }

  remaining(now: number): number {
    this.roll(now);
    return this.limitUsd - this.spent - this.reserved;
  }

  /**
   * Reserves `worstUsd` or throws 402 insufficient_quota. Returns the settle function.
   * `fit`, when the worst case does not fit, may offer a smaller worst case (a capped
   * answer) that does; `onFit` learns which was taken.
   */
  reserve(worstUsd: number, now: number, fit?: (remainingUsd: number) => OutputFit | undefined, onFit?: (f: OutputFit) => void): (costUsd: number | null) => void {
    const remaining = this.remaining(now);
    const tryFit = fit !== undefined && worstUsd > remaining + EPSILON && remaining > 0;
    if (tryFit) {
      const fitted = fit(remaining);
      if (fitted) {
        worstUsd = fitted.worstUsd;
        onFit?.(fitted);
      }
    }
    // an overspent key (remaining < 0) refuses even requests to unpriced models
    if (worstUsd > remaining + EPSILON) {
      const left = Math.max(0, this.limitUsd - this.spent);
      throw new GatewayError(
        'insufficient_quota',
        `This key's budget cannot cover the request: $${left.toFixed(6)} of $${this.limitUsd} left this ${this.period === 'total' ? 'lifetime' : this.period}` +
          (this.reserved > 0 ? ` ($${this.reserved.toFixed(6)} held by requests in flight)` : '') +
          `, and the request may cost up to $${worstUsd.toFixed(6)}` +
          (tryFit ? `: not even a ${MIN_ANSWER_TOKENS}-token answer fits.` : '. Set max_tokens to reserve less.'),
      );
    }
    this.reserved += worstUsd;
    this.inFlight++;
    let settled = false;
    return (costUsd) => {
      if (settled) return;
      settled = true;
      this.reserved = Math.max(0, this.reserved - worstUsd);
      this.inFlight--;
      this.roll(this.wallClock());
      if (costUsd) this.spent += costUsd;
    };
  }
}
