import type { ProviderEvent } from './bus.js';
import type { CircuitState } from './snapshot.js';

const SEVERITY: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

/** A provider's circuit as the router holds it (the metrics keep no circuit state of their own). */
export type CircuitSource = (provider: string) => { circuit: CircuitState; since: number | null };

export const ALWAYS_CLOSED: CircuitSource = () => ({ circuit: 'closed', since: null });

/**
 * Providers whose key the provider refused (auth_failed events), until a request they
 * serve proves the key works again. Circuit state is not kept here: `top` shows the
 * router's own (CircuitSource), so the two cannot disagree.
 */
export class AuthFailures {
  private readonly failed = new Set<string>();

  apply(ev: ProviderEvent): void {
    if (ev.kind === 'auth_failed') this.failed.add(ev.provider);
  }

  /** A request served by the provider proves its key works again. */
  served(provider: string): void {
    if (this.failed.size) this.failed.delete(provider);
  }

  has(provider: string): boolean {
    return this.failed.has(provider);
  }
}

/** 0 closed, 1 half-open, 2 open: the value of the Prometheus circuit gauge. */
export function circuitLevel(state: CircuitState): number {
  return SEVERITY[state];
}
