/**
 * Rolling health per provider+model, fed by the pipeline after every attempt, read by
 * the strategies. Everything is O(1) per attempt: exponentially weighted averages and a
 * few counters, no windows to trim.
 */
import type { Target } from '../providers/types.js';

/** Weight of the newest latency sample: about the last five samples dominate. */
export const LATENCY_ALPHA = 0.3;
/** Weight of the newest outcome in the success rate: about the last ten dominate. */
export const SUCCESS_ALPHA = 0.2;

export interface TargetStats {
  /** EWMA of whole-response latency (non-streaming), ms; null before the first sample */
  latencyMs: number | null;
  /** EWMA of time to the first event (streams), ms */
  ttfbMs: number | null;
  /** EWMA of outcomes, 1 = every attempt succeeded; starts optimistic */
  successRate: number;
  /** attempts started (counted at once, so a burst does not all go to an untried target) */
  started: number;
  /** attempts finished, successful or not */
  attempts: number;
  failures: number;
  /** Date.now() of the last finished attempt (0 = never) */
  lastAt: number;
  /** plans since this target was last put first (drives latency re-measurement) */
  passedOver: number;
}

/** What a strategy may read: a pure view, no mutation. */
export interface StatsView {
  get(t: Target): TargetStats | undefined;
}

const ewma = (prev: number | null, sample: number, alpha: number): number =>
  prev === null ? sample : prev + alpha * (sample - prev);

export class RouterStats implements StatsView {
  private readonly byTarget = new Map<string, TargetStats>();
  /** per route: how many round-robin turns were handed out */
  private readonly turns = new Map<string, number>();

  get(t: Target): TargetStats | undefined {
    return this.byTarget.get(t.servedAs);
  }

  private entry(t: Target): TargetStats {
    let s = this.byTarget.get(t.servedAs);
    if (!s) {
      s = { latencyMs: null, ttfbMs: null, successRate: 1, started: 0, attempts: 0, failures: 0, lastAt: 0, passedOver: 0 };
      this.byTarget.set(t.servedAs, s);
    }
    return s;
  }

  /** An attempt is about to be sent. */
  start(t: Target): void {
    this.entry(t).started++;
  }

  /** A successful attempt; `ms` is time to the first event for streams, the whole response otherwise. */
  success(t: Target, ms: number, stream: boolean, now = Date.now()): void {
    const s = this.entry(t);
    if (stream) s.ttfbMs = ewma(s.ttfbMs, ms, LATENCY_ALPHA);
    else s.latencyMs = ewma(s.latencyMs, ms, LATENCY_ALPHA);
    s.successRate += SUCCESS_ALPHA * (1 - s.successRate);
    s.attempts++;
    s.lastAt = now;
    s.passedOver = 0;
  }

  /**
   * The provider answered, but the request itself was refused (400, 422…): healthy,
   * yet the time says nothing about how fast it serves.
   */
  answered(t: Target, now = Date.now()): void {
    const s = this.entry(t);
    s.successRate += SUCCESS_ALPHA * (1 - s.successRate);
    s.attempts++;
    s.lastAt = now;
  }

  /**
   * A failed attempt. A timeout's elapsed time is a lower bound of the target's
   * latency, so it counts as a sample: the latency strategy should stop preferring it.
   */
  failure(t: Target, ms: number, timedOut: boolean, stream: boolean, now = Date.now()): void {
    const s = this.entry(t);
    if (timedOut) {
      if (stream) s.ttfbMs = ewma(s.ttfbMs, ms, LATENCY_ALPHA);
      else s.latencyMs = ewma(s.latencyMs, ms, LATENCY_ALPHA);
    }
    s.successRate -= SUCCESS_ALPHA * s.successRate;
    s.attempts++;
    s.failures++;
    s.lastAt = now;
    s.passedOver = 0;
  }

  /** After a latency plan: the first candidate was chosen, the others passed over once more. */
  notePlanned(ordered: readonly Target[]): void {
    for (let i = 1; i < ordered.length; i++) this.entry(ordered[i]!).passedOver++;
  }

  /** The next round-robin turn of a route (0, 1, 2, …). */
  nextTurn(routeKey: string): number {
    const n = this.turns.get(routeKey) ?? 0;
    this.turns.set(routeKey, n + 1);
    return n;
  }

  clear(): void {
    this.byTarget.clear();
    this.turns.clear();
  }
}
