import type { RequestEvent } from '../../src/metrics/bus.js';

let seq = 0;

/** A finished request with sensible defaults; override what the test is about. */
export function requestEvent(over: Partial<RequestEvent> = {}): RequestEvent {
  seq++;
  const provider = over.provider === undefined ? 'alpha' : over.provider;
  const servedModel = over.servedModel === undefined ? 'gpt-4o-mini' : over.servedModel;
  return {
    requestId: `req_${seq}`,
    ts: 1_700_000_000_000,
    keyId: 'key_1',
    keyName: 'laptop',
    endpoint: 'chat',
    requestedModel: 'gpt-4o-mini',
    servedModel,
    provider,
    strategy: 'cost',
    attempts: provider ? [{ provider, model: servedModel ?? 'gpt-4o-mini', status: over.status ?? 200, ms: 100 }] : [],
    stream: false,
    status: 200,
    errorCode: null,
    latencyMs: 100,
    ttfbMs: 50,
    promptTokens: 10,
    completionTokens: 5,
    cachedTokens: 0,
    usageEstimated: false,
    costUsd: 0.001,
    ...over,
  };
}

/** A clock the test moves by hand. */
export function fakeClock(start = Date.UTC(2026, 0, 15, 12, 0, 0)) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
    set(ms: number) {
      t = ms;
    },
  };
}
