/**
 * Per-key limits on the hot path, all from memory: requests per minute, tokens per
 * minute and budgets. `admit` runs before a request is forwarded and either refuses it
 * (429 rate_limited, 402 insufficient_quota) or returns an Admission that the request's
 * single usage record settles. State survives key reloads; edits resize it in place.
 */
import { GatewayError } from '../errors.js';
import type { Target } from '../providers/types.js';
import type { ApiKeyRecord } from '../store/keys.js';
import { BudgetState, DEFAULT_OUTPUT_CAP, fitOutputToBudget, worstCaseCostUsd } from './budget.js';
import { capOutputTokens } from './output-cap.js';
import type { Admission, KeyLimitStatus, Limiter, ProxyInput, RequestCost } from './types.js';

export type { Admission, KeyLimitStatus, RequestCost } from './types.js';
import { SlidingWindowCounter, TokenBucket } from './rate.js';
import { expectedCompletionTokens } from './tokens.js';



interface KeyState {
  rpm?: SlidingWindowCounter;
  tpm?: TokenBucket;
  budget?: BudgetState;
}


export interface KeyLimiterOptions {
  /** settled spend of a key since a time, from the usage table (at startup and period changes) */
  spentSince: (keyId: string, since: number) => number;
  /** monotonic ms for the rate windows */
  clock?: () => number;
  /** wall-clock ms for the budget periods */
  wallClock?: () => number;
}

const NO_LIMITS: Admission = { settle() {} };

export function rateLimited(keyId: string, what: string, waitMs: number): GatewayError {
  const ms = Math.max(1, Math.ceil(waitMs));
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  return new GatewayError('rate_limited', `Rate limit reached for key ${keyId}: ${what}. Try again in ${seconds}s.`, {
    headers: { 'retry-after': String(seconds), 'retry-after-ms': String(ms) },
  });
}

export class KeyLimiter implements Limiter {
  private readonly states = new Map<string, KeyState>();
  private readonly clock: () => number;
  private readonly wallClock: () => number;

  constructor(private readonly opts: KeyLimiterOptions) {
    this.clock = opts.clock ?? (() => performance.now());
    this.wallClock = opts.wallClock ?? Date.now;
  }

  /** Brings state in line with the key table: new keys get state, edits resize it, removed limits drop it. */
  sync(records: readonly ApiKeyRecord[]): void {
    const now = this.clock();
    const wall = this.wallClock();
    const seen = new Set<string>();
    for (const r of records) {
      if (r.revokedAt !== null || (r.rpm === null && r.tpm === null && r.budgetUsd === null)) continue;
      seen.add(r.id);
      const s = this.states.get(r.id) ?? {};
      this.states.set(r.id, s);
      if (r.rpm === null) delete s.rpm;
      else if (s.rpm) s.rpm.resize(r.rpm);
      else s.rpm = new SlidingWindowCounter(r.rpm);
      if (r.tpm === null) delete s.tpm;
      else if (s.tpm) s.tpm.resize(r.tpm);
      else s.tpm = new TokenBucket(r.tpm, now);
      if (r.budgetUsd === null) delete s.budget;
      else {
        const period = r.budgetPeriod ?? 'total';
        if (!s.budget) s.budget = new BudgetState(r.id, r.budgetUsd, period, this.opts.spentSince, this.wallClock);
        else {
          s.budget.limitUsd = r.budgetUsd;
          if (s.budget.period !== period) s.budget.changePeriod(period, wall);
        }
      }
    }
    for (const id of this.states.keys()) if (!seen.has(id)) this.states.delete(id);
  }

  /** Refuses (402, then 429) or admits a request; an admitted request must be settled once. */
  admit(key: ApiKeyRecord, cost: RequestCost): Admission {
    const s = this.states.get(key.id);
    if (!s) return NO_LIMITS;
    const now = this.clock();
    // Check every limit before taking from any, so a refused request costs nothing.
    let outputCap: number | undefined;
    const settleBudget = s.budget?.reserve(cost.worstUsd, this.wallClock(), cost.fit, (f) => (outputCap = f.outputCap));
    const rpmWait = s.rpm?.waitMs(now) ?? 0;
    const tpmWait = s.tpm?.waitMs(cost.tokens, now) ?? 0;
    if (rpmWait > 0 || tpmWait > 0) {
      settleBudget?.(null);
      throw rpmWait >= tpmWait
        ? rateLimited(key.id, `${s.rpm!.max} requests per minute`, rpmWait)
        : rateLimited(key.id, `${s.tpm!.max} tokens per minute (this request needs about ${cost.tokens})`, tpmWait);
    }
    s.rpm?.take(now);
    const bucket = s.tpm;
    bucket?.take(cost.tokens, now);
    return {
      settle: (used) => {
        bucket?.settle(cost.tokens, used.promptTokens + used.completionTokens, this.clock());
        settleBudget?.(used.costUsd);
      },
      ...(outputCap !== undefined ? { outputCap } : {}),
    };
  }

  /** What `keys show` and the admin API report for a key. */
  status(keyId: string): KeyLimitStatus {
    const s = this.states.get(keyId);
    const now = this.clock();
    const wall = this.wallClock();
    const b = s?.budget;
    return {
      rpm: s?.rpm ? { limit: s.rpm.max, used: s.rpm.used(now) } : null,
      tpm: s?.tpm ? { limit: s.tpm.max, available: Math.floor(s.tpm.available(now)) } : null,
      budget: b
        ? { limitUsd: b.limitUsd, period: b.period, periodStart: b.window.start, spentUsd: b.spent, reservedUsd: b.reserved, remainingUsd: b.remaining(wall), inFlight: b.inFlight }
        : null,
    };
  }
}

/**
 * Before forwarding: the request's token estimate and worst-case cost against the key's
 * limits. A budget that cannot pay the worst case but can pay a shorter answer caps the
 * request's output (in the chat body and in the client's own body) instead of refusing it.
 */
export function admitRequest(limits: Limiter | undefined, input: ProxyInput, candidates: readonly Target[], promptEstimate: number): Admission | undefined {
  if (!limits) return undefined;
  const { op, body } = input;
  const record = input.key.record;
  if (record.rpm === null && record.tpm === null && record.budgetUsd === null) return undefined;
  const admission = limits.admit(record, {
    tokens: promptEstimate + expectedCompletionTokens(op, body, null),
    worstUsd: record.budgetUsd === null ? 0 : worstCaseCostUsd(op, body, candidates),
    fit: candidates.length > 0 ? (remaining) => fitOutputToBudget(op, body, candidates, remaining) : undefined,
  });
  if (admission.outputCap !== undefined) capOutputTokens(input, admission.outputCap);
  else if (record.budgetUsd !== null) boundOutput(input, candidates);
  return admission;
}

/**
 * A budgeted request that names no output limit was reserved for each model's output cap
 * (max_output, else DEFAULT_OUTPUT_CAP): forward the smallest of them, so no provider can
 * write past what was reserved (a provider left unbounded once wrote 40k tokens against a
 * 4096-token reservation). Reasoning tokens are inside every protocol's output limit.
 */
function boundOutput(input: ProxyInput, candidates: readonly Target[]): void {
  const { op, body } = input;
  if (op === 'embeddings' || candidates.length === 0) return;
  if (typeof body.max_tokens === 'number' || typeof body.max_completion_tokens === 'number') return;
  let cap = Infinity;
  for (const t of candidates) cap = Math.min(cap, t.info?.max_output ?? DEFAULT_OUTPUT_CAP);
  capOutputTokens(input, cap);
}

/** The response header that tells a client its answer was capped to what the key's budget pays for. */
export const OUTPUT_CAP_HEADER = 'x-inferoute-output-cap';

/** Adds the output-cap header to a served result when the admission capped the request. */
export function withOutputCapHeader<T extends { headers: Record<string, string> }>(result: T, admission: Admission | undefined): T {
  if (admission?.outputCap !== undefined) result.headers[OUTPUT_CAP_HEADER] = String(admission.outputCap);
  return result;
}
