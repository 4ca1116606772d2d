import { STRATEGIES, type Strategy } from '../config/schema.js';
import type { Target } from '../providers/types.js';
import { routeFor, type Catalog } from './catalog.js';
import { closestNames, isPattern } from './patterns.js';
import type { RouterHealth } from './health.js';
import { STRATEGY_FNS, type StrategyContext } from './strategies.js';

/**
 * Why no plan could be made, as plain data: the gateway turns it into the client's
 * HTTP error (the router builds none). `code` is the error code the client will see.
 */
export class PlanRefusal extends Error {
  constructor(
    readonly code: 'invalid_request_error' | 'model_not_found' | 'model_not_allowed',
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

export interface PlanInput {
  model: string;
  /** X-Inferoute-Strategy */
  strategyHeader?: string | undefined;
  /** X-Inferoute-Fallback, already split */
  fallbackHeader?: string[] | undefined;
  /** can this key use this target? */
  allowed: (t: Target, requested: string) => boolean;
  estimate: { promptTokens: number; completionTokens: number };
  stream?: boolean;
}

export interface Plan {
  strategy: Strategy;
  /** the requested model's candidates in strategy order, then each fallback's */
  candidates: Target[];
  /** candidates left out because their circuit is open (only while others remain) */
  skipped: Target[];
  /** every candidate's circuit was open: try them anyway rather than refuse untried */
  allOpen: boolean;
}

export function parseStrategy(value: string | undefined): Strategy | undefined {
  if (value === undefined || value === '') return undefined;
  const v = value.trim().toLowerCase();
  if ((STRATEGIES as readonly string[]).includes(v)) return v as Strategy;
  throw new PlanRefusal('invalid_request_error', `X-Inferoute-Strategy must be one of ${STRATEGIES.join(', ')}`, 'X-Inferoute-Strategy');
}

function targetsOf(catalog: Catalog, id: string): Target[] {
  const route = routeFor(catalog, id)?.route;
  if (route) return route.targets.flatMap((t) => catalog.models.get(t) ?? []);
  return catalog.models.get(id) ?? [];
}

/** The 404 for a name nothing serves, naming the configured names closest to it. */
function modelNotFound(catalog: Catalog, model: string): PlanRefusal {
  const names = [...catalog.models.keys(), ...[...catalog.routes.keys()].filter((n) => !isPattern(n))];
  const closest = closestNames(names, model);
  const hint = closest.length > 0 ? `; the closest configured: ${closest.join(', ')}` : '';
  return new PlanRefusal('model_not_found', `The model \`${model}\` does not exist or no configured provider serves it${hint}`, 'model');
}

const NO_STATS = { get: () => undefined };

/**
 * Orders where a request may go: strategy by precedence header > route > config
 * default; fallbacks by X-Inferoute-Fallback > the route's > routing.fallback. Targets
 * whose circuit is open are left out while any other candidate remains; when every
 * candidate's circuit is open they are all kept, so the request still gets a chance.
 */
export function planCandidates(catalog: Catalog, input: PlanInput, health?: RouterHealth): Plan {
  const route = routeFor(catalog, input.model)?.route;
  const all = targetsOf(catalog, input.model);
  if (all.length === 0) throw modelNotFound(catalog, input.model);
  const permitted = all.filter((t) => input.allowed(t, input.model));
  if (permitted.length === 0) {
    throw new PlanRefusal('model_not_allowed', `This key may not use the model \`${input.model}\``, 'model');
  }
  const strategy = parseStrategy(input.strategyHeader) ?? route?.strategy ?? catalog.defaultStrategy;
  const fallbackIds = input.fallbackHeader?.length ? input.fallbackHeader : (route?.fallback ?? catalog.defaultFallback);
  // The common case, one provider and no fallback: nothing to order, nothing to skip.
  if (permitted.length === 1 && fallbackIds.length === 0) return { strategy, candidates: permitted, skipped: [], allOpen: false };

  const stats = health?.stats ?? NO_STATS;
  const now = health?.now() ?? Date.now();
  const ctx: StrategyContext = {
    promptTokens: input.estimate.promptTokens,
    completionTokens: input.estimate.completionTokens,
    routeKey: input.model,
    stream: input.stream === true,
    now,
    turn: 0,
  };
  const order = (targets: Target[], routeKey: string): Target[] => {
    if (targets.length < 2) return targets;
    ctx.routeKey = routeKey;
    if (strategy === 'round-robin') ctx.turn = health ? health.stats.nextTurn(routeKey) : 0;
    const ordered = STRATEGY_FNS[strategy](targets, stats, ctx);
    if (strategy === 'latency') health?.stats.notePlanned(ordered);
    return ordered;
  };

  const candidates = order(permitted, input.model).slice();
  const seen = new Set(candidates);
  for (const id of fallbackIds) {
    const extra = targetsOf(catalog, id).filter((t) => !seen.has(t) && input.allowed(t, id));
    for (const t of order(extra, id)) {
      seen.add(t);
      candidates.push(t);
    }
  }
  if (!health) return { strategy, candidates, skipped: [], allOpen: false };
  const open = candidates.filter((t) => health.blocked(t, now));
  if (open.length === 0) return { strategy, candidates, skipped: [], allOpen: false };
  if (open.length === candidates.length) return { strategy, candidates, skipped: [], allOpen: true };
  return { strategy, candidates: candidates.filter((t) => !open.includes(t)), skipped: open, allOpen: false };
}
