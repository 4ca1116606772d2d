/**
 * Circuit breakers, one per provider and one per provider+model. Failures that say
 * the whole provider is unreachable or refuses TokenHub's key (connection refused,
 * reset, 401/403) count against the provider's circuit; failures that may be the
 * model's own (5xx, 429, timeouts, broken streams) against provider+model. A circuit
 * opens after `failures` consecutive failures, lets a single probe through once its
 * cooldown is over (half-open), closes on that probe's success and reopens, with
 * twice the cooldown, on its failure. Every change is a ProviderEvent for `top`.
 */
import type { ProviderEvent } from '../metrics/bus.js';
import type { Target } from '../providers/types.js';

export interface CircuitSettings {
  /** consecutive failures that open a circuit */
  failures: number;
  /** first cooldown before a probe; doubles on each failed probe up to maxCooldownMs */
  cooldownMs: number;
  maxCooldownMs: number;
}

export const DEFAULT_CIRCUIT: CircuitSettings = { failures: 5, cooldownMs: 30_000, maxCooldownMs: 300_000 };

export type FailureScope = 'provider' | 'model';
export type CircuitState = 'closed' | 'open' | 'half_open';
/** `pass`: closed; `probe`: this attempt is the half-open probe; `blocked`: open (or its probe is out). */
export type Admission = 'pass' | 'probe' | 'blocked';

interface Circuit {
  state: CircuitState;
  consecutive: number;
  openedAt: number;
  cooldownMs: number;
  probing: boolean;
}

export class CircuitBreakers {
  /** key: provider name, or `${provider}/${model}` (provider names hold no "/") */
  private readonly circuits = new Map<string, Circuit>();

  constructor(private readonly emit: (ev: ProviderEvent) => void = () => {}) {}

  private event(key: string, kind: ProviderEvent['kind'], now: number, detail?: string): void {
    const slash = key.indexOf('/');
    const ev: ProviderEvent =
      slash < 0 ? { provider: key, kind, ts: now } : { provider: key.slice(0, slash), model: key.slice(slash + 1), kind, ts: now };
    if (detail) ev.detail = detail;
    this.emit(ev);
  }

  private stateOf(c: Circuit | undefined, now: number): Admission {
    if (!c || c.state === 'closed') return 'pass';
    if (c.state === 'open') return now - c.openedAt >= c.cooldownMs ? 'probe' : 'blocked';
    return c.probing ? 'blocked' : 'probe';
  }

  /** Would an attempt at `t` be refused right now? (Read-only, for ordering.) */
  blocked(t: Target, now: number): boolean {
    if (this.circuits.size === 0) return false;
    return (
      this.stateOf(this.circuits.get(t.provider.name), now) === 'blocked' ||
      this.stateOf(this.circuits.get(t.servedAs), now) === 'blocked'
    );
  }

  private admitOne(key: string, now: number): Admission {
    const c = this.circuits.get(key);
    const a = this.stateOf(c, now);
    if (a === 'probe' && c) {
      if (c.state === 'open') {
        c.state = 'half_open';
        this.event(key, 'circuit_half_open', now);
      }
      c.probing = true;
    }
    return a;
  }

  /** Called right before an attempt; a `probe` must be followed by success, failure or release. */
  admit(t: Target, now: number): Admission {
    if (this.circuits.size === 0) return 'pass';
    const p = this.stateOf(this.circuits.get(t.provider.name), now);
    const m = this.stateOf(this.circuits.get(t.servedAs), now);
    if (p === 'blocked' || m === 'blocked') return 'blocked';
    if (p === 'pass' && m === 'pass') return 'pass';
    this.admitOne(t.provider.name, now);
    this.admitOne(t.servedAs, now);
    return 'probe';
  }

  /** The attempt ended without a verdict (the client left): a probe's slot frees up. */
  release(t: Target): void {
    for (const key of [t.provider.name, t.servedAs]) {
      const c = this.circuits.get(key);
      if (c) c.probing = false;
    }
  }

  success(t: Target, now: number): void {
    if (this.circuits.size === 0) return;
    for (const key of [t.provider.name, t.servedAs]) {
      const c = this.circuits.get(key);
      if (!c) continue;
      this.circuits.delete(key);
      if (c.state !== 'closed') this.event(key, 'circuit_closed', now);
    }
  }

  failure(t: Target, scope: FailureScope, now: number, settings: CircuitSettings, reason: string): void {
    const key = scope === 'provider' ? t.provider.name : t.servedAs;
    let c = this.circuits.get(key);
    if (!c) {
      c = { state: 'closed', consecutive: 0, openedAt: 0, cooldownMs: settings.cooldownMs, probing: false };
      this.circuits.set(key, c);
    }
    c.consecutive++;
    if (c.state === 'half_open' && c.probing) {
      // The probe failed: back to open, and wait longer before the next one.
      c.state = 'open';
      c.probing = false;
      c.openedAt = now;
      c.cooldownMs = Math.min(c.cooldownMs * 2, settings.maxCooldownMs);
      this.event(key, 'circuit_open', now, `probe failed: ${reason}`);
    } else if (c.state === 'closed' && c.consecutive >= settings.failures) {
      c.state = 'open';
      c.openedAt = now;
      c.cooldownMs = settings.cooldownMs;
      this.event(key, 'circuit_open', now, `${c.consecutive} consecutive failures, last: ${reason}`);
    }
    // The other scope's probe, if any, ends without a verdict.
    const other = this.circuits.get(scope === 'provider' ? t.servedAs : t.provider.name);
    if (other) other.probing = false;
  }

  /** For status pages and tests: the state of one scope. */
  state(key: string, now = Date.now()): CircuitState {
    const c = this.circuits.get(key);
    if (!c) return 'closed';
    if (c.state === 'open' && now - c.openedAt >= c.cooldownMs) return 'half_open';
    return c.state;
  }

  /**
   * The worst of a provider's circuits (its own and its models'), as the router sees it
   * now: what `top` and /metrics show, so they cannot disagree with the routing. `since`
   * is when that state began (a half-open circuit: when its cooldown ended).
   */
  worst(provider: string, now: number): { circuit: CircuitState; since: number | null } {
    let circuit: CircuitState = 'closed';
    let since: number | null = null;
    const rank = { closed: 0, half_open: 1, open: 2 } as const;
    for (const [key, c] of this.circuits) {
      if (key !== provider && !key.startsWith(provider + '/')) continue;
      const state = this.state(key, now);
      if (state === 'closed' || rank[state] < rank[circuit]) continue;
      const began = state === 'open' ? c.openedAt : c.openedAt + c.cooldownMs;
      if (rank[state] > rank[circuit] || since === null || began < since) since = began;
      circuit = state;
    }
    return { circuit, since };
  }

  clear(): void {
    this.circuits.clear();
  }
}
