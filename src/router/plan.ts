import { GatewayError } from '../errors.js';
import { STRATEGIES, type Strategy } from '../config/schema.js';
import type { Target } from '../providers/types.js';
import type { Catalog } from './catalog.js';
import { STRATEGY_FNS, type StrategyContext } from './strategies.js';

export interface PlanInput {
  model: string;
  /** X-Inferoute-Strategy */
  strategyHeader?: string | undefined;
  /** X-Inferoute-Fallback, already split */
  fallbackHeader?: string[] | undefined;
  /** can this key use this target? */
  allowed: (t: Target, requested: string) => boolean;
  estimate: Omit<StrategyContext, 'routeKey'>;
}

export interface Plan {
  strategy: Strategy;
  /** the requested model's candidates in strategy order, then each fallback's */
  candidates: Target[];
}

export function parseStrategy(value: string | undefined): Strategy | undefined {
  if (value === undefined || value === '') return undefined;
  const v = value.trim().toLowerCase();
  if ((STRATEGIES as readonly string[]).includes(v)) return v as Strategy;
  throw new GatewayError('invalid_request_error', `X-Inferoute-Strategy must be one of ${STRATEGIES.join(', ')}`, {
    param: 'X-Inferoute-Strategy',
  });
}

function targetsOf(catalog: Catalog, id: string): Target[] {
  const route = catalog.routes.get(id);
  if (route) return route.targets.flatMap((t) => catalog.models.get(t) ?? []);
  return catalog.models.get(id) ?? [];
}

/** Orders where a request may go: precedence header > route > config default. */
export function planCandidates(catalog: Catalog, input: PlanInput): Plan {
  const route = catalog.routes.get(input.model);
  const all = targetsOf(catalog, input.model);
  if (all.length === 0) {
    throw new GatewayError('model_not_found', `The model \`${input.model}\` does not exist or no configured provider serves it`, {
      param: 'model',
    });
  }
  const permitted = all.filter((t) => input.allowed(t, input.model));
  if (permitted.length === 0) {
    throw new GatewayError('model_not_allowed', `This key may not use the model \`${input.model}\``, { param: 'model' });
  }
  const strategy = parseStrategy(input.strategyHeader) ?? route?.strategy ?? catalog.defaultStrategy;
  const ctx: StrategyContext = { ...input.estimate, routeKey: input.model };
  const ordered = STRATEGY_FNS[strategy](permitted, ctx);

  const fallbackIds = input.fallbackHeader?.length ? input.fallbackHeader : (route?.fallback ?? catalog.defaultFallback);
  const seen = new Set(ordered);
  const candidates = [...ordered];
  for (const id of fallbackIds) {
    const extra = targetsOf(catalog, id).filter((t) => !seen.has(t) && input.allowed(t, id));
    for (const t of STRATEGY_FNS[strategy](extra, { ...ctx, routeKey: id })) {
      seen.add(t);
      candidates.push(t);
    }
  }
  return { strategy, candidates };
}
