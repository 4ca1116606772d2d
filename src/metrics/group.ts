import { LogHistogram, RollingHistogram } from './histogram.js';
import type { GroupStats } from './snapshot.js';
import type { RequestEvent } from './bus.js';
import { RateWindow } from './window.js';

/** 100 ms slots over 60 s: a sliding 1 s rate to within a tenth of a second. */
const RATE_SLOT_MS = 100;
const RATE_SLOTS = 600;

export interface GroupOptions {
  latencyWindowMs: number;
  /** also keep since-start histograms (for Prometheus, which wants cumulative buckets) */
  lifetime: boolean;
}

/** Running counters for one provider, model, key or all traffic. O(1) per request. */
export class GroupAccumulator {
  requests = 0;
  errors = 0;
  failovers = 0;
  readonly errorsByCode = new Map<string, number>();
  prompt = 0;
  completion = 0;
  cached = 0;
  cacheWrite = 0;
  reasoning = 0;
  costUsd = 0;
  unpriced = 0;
  lastRequestAt: number | null = null;
  readonly rate: RateWindow;
  readonly latency: RollingHistogram;
  readonly ttfb: RollingHistogram;
  readonly lifetimeLatency: LogHistogram | null;
  readonly lifetimeTtfb: LogHistogram | null;

  constructor(
    readonly name: string,
    now: number,
    opts: GroupOptions,
  ) {
    this.rate = new RateWindow(RATE_SLOT_MS, RATE_SLOTS, now);
    this.latency = new RollingHistogram(opts.latencyWindowMs, now);
    this.ttfb = new RollingHistogram(opts.latencyWindowMs, now);
    this.lifetimeLatency = opts.lifetime ? new LogHistogram() : null;
    this.lifetimeTtfb = opts.lifetime ? new LogHistogram() : null;
  }

  record(ev: RequestEvent, now: number): void {
    this.requests++;
    this.lastRequestAt = ev.ts;
    this.rate.add(now);
    if (ev.status >= 400) {
      this.errors++;
      const code = ev.errorCode ?? String(ev.status);
      this.errorsByCode.set(code, (this.errorsByCode.get(code) ?? 0) + 1);
    }
    if (ev.attempts.length > 1) this.failovers++;
    this.prompt += ev.promptTokens;
    this.completion += ev.completionTokens;
    this.cached += ev.cachedTokens;
    this.cacheWrite += ev.cacheWriteTokens ?? 0;
    this.reasoning += ev.reasoningTokens ?? 0;
    if (ev.costUsd !== null) this.costUsd += ev.costUsd;
    else if (ev.status < 400) this.unpriced++;
    this.latency.record(ev.latencyMs, now);
    this.lifetimeLatency?.record(ev.latencyMs);
    if (ev.ttfbMs !== null) {
      this.ttfb.record(ev.ttfbMs, now);
      this.lifetimeTtfb?.record(ev.ttfbMs);
    }
  }

  stats(now: number, allRequests: number): GroupStats {
    return {
      name: this.name,
      requests: this.requests,
      errors: this.errors,
      errorRate: this.requests ? round(this.errors / this.requests, 4) : 0,
      errorsByCode: Object.fromEntries(this.errorsByCode),
      failovers: this.failovers,
      share: allRequests ? round(this.requests / allRequests, 4) : 0,
      rps1s: this.rate.count(now, 1000),
      rps60s: round(this.rate.count(now, 60_000) / 60, 2),
      latencyMs: this.latency.summary(now),
      ttfbMs: this.ttfb.summary(now),
      tokens: {
        prompt: this.prompt,
        completion: this.completion,
        cached: this.cached,
        cacheWrite: this.cacheWrite,
        reasoning: this.reasoning,
        total: this.prompt + this.completion,
      },
      costUsd: round(this.costUsd, 6),
      unpriced: this.unpriced,
      lastRequestAt: this.lastRequestAt,
    };
  }
}

export function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
