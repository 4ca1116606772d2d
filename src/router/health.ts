/**
 * What the router learns from each attempt: rolling stats for the strategies and
 * circuit state for ordering and skipping. The pipeline reports every attempt's
 * outcome here, once; nothing else feeds it.
 */
import type { MetricsBus } from '../metrics/bus.js';
import type { Target } from '../providers/types.js';
import type { Logger } from '../util/log.js';
import { CircuitBreakers, DEFAULT_CIRCUIT, type Admission, type CircuitSettings, type CircuitState } from './circuit.js';
import { RouterStats } from './stats.js';

export interface HealthSettings {
  circuit: CircuitSettings;
  /**
   * Longest Retry-After honoured by retrying the same provider. Only the last
   * candidate is retried: with another candidate left, failing over is faster.
   */
  retryAfterCapMs: number;
  /** one deadline for the whole request, failovers and retries included */
  totalMs: number;
}

/**
 * How a network-level failure counts, classified by whoever saw it (upstream knows its
 * error codes): the router decides from plain facts and imports no error classes.
 */
export interface FailureKind {
  /** a timeout: counted as slow, not only as failed */
  timeout: boolean;
  /** the provider as a whole cannot be reached: its provider-wide circuit, not one model's */
  unreachable: boolean;
}

export const DEFAULT_HEALTH: HealthSettings = {
  circuit: DEFAULT_CIRCUIT,
  retryAfterCapMs: 2_000,
  totalMs: 600_000,
};

export class RouterHealth {
  readonly stats = new RouterStats();
  readonly circuits: CircuitBreakers;

  constructor(
    private readonly bus?: MetricsBus,
    private readonly log?: Logger,
    /** ms since the epoch, for cooldowns and stats (a class that takes a clock reads no other one) */
    private readonly clock: () => number = Date.now,
  ) {
    this.circuits = new CircuitBreakers(bus ? (ev) => bus.provider(ev) : undefined);
  }

  /** Right before an attempt: counts it as started and asks the circuits (a `probe` must get a verdict or a release). */
  admit(t: Target, now = this.clock()): Admission {
    this.stats.start(t);
    return this.circuits.admit(t, now);
  }

  blocked(t: Target, now = this.clock()): boolean {
    return this.circuits.blocked(t, now);
  }

  /** The provider served: `ms` is time to first event for streams, the whole response otherwise. */
  succeeded(t: Target, ms: number, stream: boolean): void {
    const now = this.clock();
    this.stats.success(t, ms, stream, now);
    this.circuits.success(t, now);
  }

  /** The provider answered with a client error (400, 404, 413, 422): reachable and healthy. */
  answered(t: Target): void {
    const now = this.clock();
    this.stats.answered(t, now);
    this.circuits.success(t, now);
  }

  /** A failover status: 401/403 are the provider key (provider-wide), the rest may be the model's. */
  failedStatus(t: Target, status: number, ms: number, stream: boolean, settings: HealthSettings): void {
    const now = this.clock();
    this.stats.failure(t, ms, status === 408, stream, now);
    const keyRejected = status === 401 || status === 403;
    // TokenHub's own provider key is wrong: `top` says so next to the provider.
    if (keyRejected) {
      this.log?.warn('provider rejected TokenHub’s provider key', { provider: t.provider.name, status });
      this.bus?.provider({ provider: t.provider.name, kind: 'auth_failed', ts: now, detail: `HTTP ${status}` });
    }
    this.circuits.failure(t, keyRejected ? 'provider' : 'model', now, settings.circuit, `HTTP ${status}`);
  }

  /** A network failure, timeout, malformed answer or broken stream. */
  failedError(t: Target, kind: FailureKind, reason: string, ms: number, stream: boolean, settings: HealthSettings): void {
    const now = this.clock();
    this.stats.failure(t, ms, kind.timeout, stream, now);
    this.circuits.failure(t, kind.unreachable ? 'provider' : 'model', now, settings.circuit, reason);
  }

  /** A stream that had started broke off (or ended with an error event): no latency sample, but a failure. */
  brokeOff(t: Target, kind: FailureKind, reason: string, settings: HealthSettings): void {
    const now = this.clock();
    this.stats.failure(t, 0, false, true, now);
    this.circuits.failure(t, kind.unreachable ? 'provider' : 'model', now, settings.circuit, reason);
  }

  /** The router's clock (ms since the epoch): plans and circuits read the same one. */
  now(): number {
    return this.clock();
  }

  /** A provider's circuit as the router obeys it, for `top` and /metrics (one state machine, not a copy). */
  circuitOf(provider: string): { circuit: CircuitState; since: number | null } {
    return this.circuits.worst(provider, this.clock());
  }

  /** The attempt ended with no verdict on the provider (the client went away). */
  released(t: Target): void {
    this.circuits.release(t);
  }
}

/** Retry-After from a provider's answer, in ms (retry-after-ms, seconds, or an HTTP date), or undefined. */
export function retryAfterMs(headers: Record<string, string | string[] | undefined>, now = Date.now()): number | undefined {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const ms = first(headers['retry-after-ms']);
  if (ms !== undefined && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = first(headers['retry-after'])?.trim();
  if (!ra) return undefined;
  if (/^\d+(\.\d+)?$/.test(ra)) return Number(ra) * 1000;
  const at = Date.parse(ra);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
