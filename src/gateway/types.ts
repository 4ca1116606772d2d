/**
 * The gateway's shared types: what a request carries through the pipeline, what it
 * returns, and the seams its parts meet at (limits, the stream relay). This module
 * imports nothing from the gateway, so no part of the gateway needs another's module
 * just to name a type.
 */
import type { GatewayError } from '../errors.js';
import type { ActiveKey, KeyCache } from '../keys/cache.js';
import type { MetricsBus } from '../metrics/bus.js';
import type { NativeRequest, OpenAIBody, Operation, Target } from '../providers/types.js';
import type { Catalog } from '../router/catalog.js';
import type { RouterHealth } from '../router/health.js';
import type { ApiKeyRecord } from '../store/keys.js';
import type { Endpoint, UsageRecord, UsageSink } from '../store/usage.js';
import type { AbortHandle } from '../upstream/abort.js';
import type { UpstreamClient } from '../upstream/client.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/log.js';

export interface GatewayDeps {
  catalog: () => Catalog;
  keys: KeyCache;
  upstream: UpstreamClient;
  usage: UsageSink;
  metrics: MetricsBus;
  log: Logger;
  /** rolling stats and circuits; they outlive config reloads, so the daemon owns them */
  router: RouterHealth;
  /** the daemon's clocks; attempt durations (what `latency` routing ranks by) use its monotonic one */
  clock?: Clock;
  /** per-key rpm, tpm and budgets; no limits are enforced without it */
  limits?: Limiter;
}

export interface ProxyInput {
  op: Operation;
  /** what the usage record calls the endpoint, when it is not `op` (e.g. /v1/messages runs as chat) */
  endpoint?: Endpoint;
  requestId: string;
  /** performance.now() when the request arrived */
  startedAt: number;
  key: ActiveKey;
  /** the request in the middle representation (OpenAI chat shape), for providers that need a translation */
  body: OpenAIBody;
  /** the client's own request, forwarded as is to a provider that speaks its protocol */
  native?: NativeRequest | undefined;
  /** what `body` could not carry of the native request: the 400 for a provider that needs the translation */
  untranslatable?: GatewayError | undefined;
  strategyHeader?: string | undefined;
  fallbackHeader?: string | undefined;
  /** aborts when the client goes away (an AbortHandle: cheaper than an AbortSignal) */
  clientSignal?: AbortHandle | undefined;
}

export interface ProxyResult {
  status: number;
  headers: Record<string, string>;
  /** JSON text, or for a stream the relay to pull SSE text from (see server/respond.ts) */
  body: string | SseRelay;
  /** true when the body is already in the client's protocol (native passthrough); else OpenAI chat shape */
  native?: boolean;
}

export type Outcome = Pick<UsageRecord, 'status' | 'errorCode'> &
  Partial<Pick<UsageRecord, 'promptTokens' | 'completionTokens' | 'cachedTokens' | 'cacheWriteTokens' | 'reasoningTokens' | 'usageEstimated' | 'ttfbMs'>> & {
    target?: Target | undefined;
    /** cache writes with a 1-hour TTL (priced apart; the record keeps cacheWriteTokens) */
    cacheWrite1hTokens?: number | undefined;
  };

export interface OutputFit {
  /** completion tokens per choice the remaining budget can pay on every candidate */
  outputCap: number;
  /** the worst case with that cap: what to reserve */
  worstUsd: number;
}

export interface RequestCost {
  /** estimated prompt + completion tokens, for tpm */
  tokens: number;
  /** worst-case USD over every candidate, for the budget */
  worstUsd: number;
  /** when the worst case does not fit the budget left: a capped answer that does, if any */
  fit?: ((remainingUsd: number) => OutputFit | undefined) | undefined;
}

export interface Admission {
  settle(used: { promptTokens: number; completionTokens: number; costUsd: number | null }): void;
  /** output tokens per choice the budget pays for, when the request had to be capped to fit */
  outputCap?: number;
}

/** Per-key rpm, tpm and budgets, as the pipeline uses them (KeyLimiter in limits.ts). */
export interface Limiter {
  /** Admits a request or throws rate_limited / insufficient_quota. */
  admit(key: ApiKeyRecord, cost: RequestCost): Admission;
  /** what a key has used of its limits now (admin API, tests) */
  status(keyId: string): KeyLimitStatus;
}

export interface KeyLimitStatus {
  rpm: { limit: number; used: number } | null;
  tpm: { limit: number; available: number } | null;
  budget: { limitUsd: number; period: string; periodStart: number; spentUsd: number; reservedUsd: number; remainingUsd: number; inFlight: number } | null;
}


/**
 * Writes the relay's payloads in the client's protocol: once, at the edge, with no
 * decoding of text the gateway itself produced. The default speaks OpenAI chat SSE
 * (or, for a native stream, passes the provider's frames as they are); an inbound
 * protocol that was translated sets its own with `encodeWith`.
 */
export interface StreamEncoder {
  /** one translator payload: an OpenAI chunk's JSON (translated), or a whole frame (native) */
  push(payload: string): string;
  /** the stream ended whole */
  end(): string;
  /** the stream broke off after bytes reached the client */
  error(err: GatewayError): string;
}

/**
 * A committed stream, pulled by whoever writes the response: each `next()` gives the
 * text to send now, null once the stream has ended and its usage is recorded.
 */
export interface SseRelay {
  /** replaces the encoder; call before the first `next()` */
  encodeWith(encoder: StreamEncoder): void;
  next(): Promise<string | null>;
  /**
   * true once `next()` has handed out the last text: the writer can end the response with
   * it (a method: a getter in the relay's object literal cost ~0.4 µs a stream to create)
   */
  done(): boolean;
  /** the client went away: abort the provider and record what was streamed */
  cancel(): void;
}

