/**
 * What a request carries through the pipeline, and its ledger: everything known about
 * it so far, written as exactly one usage record (and one metrics event, one log line).
 */
import type { Target } from '../providers/types.js';
import type { Plan } from '../router/plan.js';
import type { RequestEvent } from '../metrics/bus.js';
import type { AttemptLog } from '../store/usage.js';
import { costOf } from './tokens.js';
import type { Admission, GatewayDeps, Outcome, ProxyInput } from './types.js';

export type { GatewayDeps, Outcome, ProxyInput, ProxyResult } from './types.js';

/** Everything known about one request so far; `finish` writes its single usage record. */
export class RequestLedger {
  readonly attempts: AttemptLog[] = [];
  plan: Plan | undefined;
  /** the last candidate an upstream call went to: what a failure record names */
  lastTried: Target | undefined;
  /** the key's rate and budget reservation, settled by `finish` to what was really used */
  admission: Admission | undefined;
  private done = false;

  constructor(
    private readonly deps: GatewayDeps,
    readonly input: ProxyInput,
  ) {}

  finish(outcome: Outcome): void {
    if (this.done) return;
    this.done = true;
    const { input } = this;
    const target = outcome.target;
    const usage = {
      promptTokens: outcome.promptTokens ?? 0,
      completionTokens: outcome.completionTokens ?? 0,
      cachedTokens: outcome.cachedTokens ?? 0,
      cacheWriteTokens: outcome.cacheWriteTokens ?? 0,
      cacheWrite1hTokens: outcome.cacheWrite1hTokens ?? 0,
      reasoningTokens: outcome.reasoningTokens ?? 0,
    };
    // One object is both the usage record and the metrics event (a RequestEvent is a record plus the key's name).
    const record: RequestEvent = {
      requestId: input.requestId,
      ts: Date.now(),
      keyId: input.key.record.id,
      endpoint: input.endpoint ?? input.op,
      requestedModel: input.body.model,
      servedModel: target?.servedAs ?? null,
      provider: target?.provider.name ?? null,
      strategy: this.plan?.strategy ?? null,
      attempts: this.attempts,
      stream: input.body.stream === true,
      status: outcome.status,
      errorCode: outcome.errorCode,
      latencyMs: Math.round((performance.now() - input.startedAt) * 100) / 100,
      ttfbMs: outcome.ttfbMs ?? null,
      ...usage,
      usageEstimated: outcome.usageEstimated ?? false,
      costUsd: target ? costOf(target.info, usage) : null,
      keyName: input.key.record.name,
    };
    this.admission?.settle(record);
    this.deps.usage.record(record);
    this.deps.metrics.request(record);
    this.deps.log.info('request', {
      id: record.requestId,
      key_id: record.keyId,
      model: record.requestedModel,
      provider: record.provider,
      status: record.status,
      ms: record.latencyMs,
      tokens: record.promptTokens + record.completionTokens,
    });
  }
}

