import type { ProviderEvent } from './bus.js';
import type { CircuitState } from './snapshot.js';

const SEVERITY: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

interface Circuit {
  state: CircuitState;
  since: number;
}

/**
 * Circuit state per provider as told by ProviderEvents. A router may keep one circuit
 * per provider or per provider+model; the dashboard shows the worst one.
 */
export class CircuitBook {
  /** provider → (model, or '' for the whole provider) → circuit */
  private readonly circuits = new Map<string, Map<string, Circuit>>();
  private readonly authFailed = new Set<string>();

  apply(ev: ProviderEvent): void {
    if (ev.kind === 'auth_failed') {
      this.authFailed.add(ev.provider);
      return;
    }
    const state: CircuitState =
      ev.kind === 'circuit_open' ? 'open' : ev.kind === 'circuit_half_open' ? 'half_open' : 'closed';
    let byModel = this.circuits.get(ev.provider);
    if (!byModel) {
      byModel = new Map();
      this.circuits.set(ev.provider, byModel);
    }
    const scope = ev.model ?? '';
    if (state === 'closed') {
      // A provider-wide close clears every circuit of that provider.
      if (scope === '') byModel.clear();
      else byModel.delete(scope);
      return;
    }
    byModel.set(scope, { state, since: ev.ts });
  }

  /** A request served by the provider proves its key works again. */
  served(provider: string): void {
    if (this.authFailed.size) this.authFailed.delete(provider);
  }

  providers(): string[] {
    return [...new Set([...this.circuits.keys(), ...this.authFailed])];
  }

  state(provider: string): { circuit: CircuitState; circuitSince: number | null; authFailed: boolean } {
    let worst: Circuit | null = null;
    for (const c of this.circuits.get(provider)?.values() ?? []) {
      if (!worst || SEVERITY[c.state] > SEVERITY[worst.state]) worst = c;
    }
    return {
      circuit: worst?.state ?? 'closed',
      circuitSince: worst?.since ?? null,
      authFailed: this.authFailed.has(provider),
    };
  }
}

/** 0 closed, 1 half-open, 2 open: the value of the Prometheus circuit gauge. */
export function circuitLevel(state: CircuitState): number {
  return SEVERITY[state];
}
