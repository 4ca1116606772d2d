/** Plain-data targets and stats for strategy tests: no config, no daemon. */
import { DEFAULT_TIMEOUTS } from '../../src/router/catalog.js';
import type { Target } from '../../src/providers/types.js';
import type { StatsView, TargetStats } from '../../src/router/stats.js';
import type { StrategyContext } from '../../src/router/strategies.js';

export function target(provider: string, model = 'm', opts: { input?: number; output?: number; weight?: number } = {}): Target {
  const priced = opts.input !== undefined || opts.output !== undefined;
  return {
    provider: {
      name: provider,
      type: 'openai-compatible',
      baseUrl: 'http://127.0.0.1:1',
      apiKey: undefined,
      headers: {},
      streamUsage: true,
      timeouts: { ...DEFAULT_TIMEOUTS },
      weight: opts.weight ?? 1,
    },
    model,
    upstreamModel: model,
    servedAs: `${provider}/${model}`,
    info: priced ? { input: opts.input, output: opts.output } : null,
  };
}

export function stats(partial: Partial<TargetStats> = {}): TargetStats {
  return { latencyMs: null, ttfbMs: null, successRate: 1, started: 1, attempts: 1, failures: 0, lastAt: 0, passedOver: 0, ...partial };
}

/** A stats view over a plain object keyed by `provider/model`. */
export function view(byId: Record<string, TargetStats>): StatsView {
  return { get: (t) => byId[t.servedAs] };
}

export function ctx(partial: Partial<StrategyContext> = {}): StrategyContext {
  return { promptTokens: 1000, completionTokens: 200, routeKey: 'r', stream: false, now: 1_000_000, turn: 0, ...partial };
}

export const names = (ts: readonly Target[]): string[] => ts.map((t) => t.provider.name);
