import { EventEmitter } from 'node:events';
import type { UsageRecord } from '../store/usage.js';

/** One finished request, as the gateway saw it: the usage record plus what the dashboard shows. */
export interface RequestEvent extends UsageRecord {
  keyName: string | null;
}

/** Provider health changes (circuit opened/closed, provider key rejected). */
export interface ProviderEvent {
  provider: string;
  model?: string;
  kind: 'circuit_open' | 'circuit_half_open' | 'circuit_closed' | 'auth_failed';
  ts: number;
  detail?: string;
}

/**
 * The gateway's metrics seam: it emits, and knows nothing of who listens
 * (rolling aggregates for `top`, Prometheus text, the latency strategy).
 */
export class MetricsBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  request(ev: RequestEvent): void {
    this.emitter.emit('request', ev);
  }

  provider(ev: ProviderEvent): void {
    this.emitter.emit('provider', ev);
  }

  onRequest(listener: (ev: RequestEvent) => void): () => void {
    this.emitter.on('request', listener);
    return () => this.emitter.off('request', listener);
  }

  onProvider(listener: (ev: ProviderEvent) => void): () => void {
    this.emitter.on('provider', listener);
    return () => this.emitter.off('provider', listener);
  }
}
