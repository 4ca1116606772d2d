import { Hono, type Context } from 'hono';
import { GatewayError } from '../../errors.js';
import { proxyRequest, type GatewayDeps } from '../../gateway/pipeline.js';
import { validateBody } from '../../gateway/validate.js';
import { quoteIdentifier } from '../../util/identifiers.js';
import type { Operation } from '../../providers/types.js';
import type { Target } from '../../providers/types.js';
import type { ActiveKey } from '../../keys/cache.js';
import { readJsonBody } from '../body.js';
import { proxyInput, sendProxyResult } from '../respond.js';
import type { AppEnv, Exchange } from '../context.js';
import type { HotRegister } from '../hot.js';

export interface V1Deps {
  gateway: GatewayDeps;
  maxBodyBytes: () => number;
}

function describeModel(t: Target) {
  const i = t.info;
  const priced = i && (i.input !== undefined || i.output !== undefined);
  return {
    id: t.servedAs,
    object: 'model',
    created: 0,
    owned_by: t.provider.name,
    provider: t.provider.name,
    provider_type: t.provider.type,
    context_window: i?.context ?? null,
    max_output_tokens: i?.max_output ?? null,
    capabilities: i?.capabilities ?? ['chat'],
    pricing: priced
      ? { input: i.input ?? 0, output: i.output ?? 0, cached_input: i.cached_input ?? i.input ?? 0, unit: 'usd_per_million_tokens' }
      : null,
  };
}

/** The models and route aliases `key` may use, described as /v1/models lists them (the Gemini routes reshape them). */
export function modelsForKey(gateway: GatewayDeps, key: ActiveKey): Record<string, unknown>[] {
  const catalog = gateway.catalog();
  const data: Record<string, unknown>[] = catalog.entries.filter((e) => key.allowsModel(e.target, e.id)).map((e) => describeModel(e.target));
  for (const [alias, route] of catalog.routes) {
    const targets = route.targets.flatMap((id) => catalog.models.get(id) ?? []).filter((t) => key.allowsModel(t, alias));
    if (targets.length === 0) continue;
    data.push({ id: alias, object: 'model', created: 0, owned_by: 'tokenhub', route: { strategy: route.strategy ?? catalog.defaultStrategy, targets: targets.map((t) => t.servedAs) } });
  }
  return data;
}

/** `hot` takes the POST routes for the hot path as well (hot.ts). */
export function v1Routes(deps: V1Deps, hot?: HotRegister): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const proxy = (path: string, op: Operation) => {
    const handler = async function proxyRoute(c: Exchange) {
      const body = validateBody(op, await readJsonBody(c, deps.maxBodyBytes()));
      const result = await proxyRequest(deps.gateway, proxyInput(c, op, body));
      return sendProxyResult(c, result);
    };
    app.post(path, (c) => handler(c));
    hot?.(path, { handler });
  };
  proxy('/chat/completions', 'chat');
  proxy('/completions', 'completions');
  proxy('/embeddings', 'embeddings');

  const visibleModels = (c: Context<AppEnv>) => modelsForKey(deps.gateway, c.get('key'));

  app.get('/models', (c) => c.json({ object: 'list', data: visibleModels(c) }));
  app.get('/models/*', (c) => {
    const id = decodeURIComponent(c.req.path.slice(c.req.path.indexOf('/models/') + '/models/'.length));
    const found = visibleModels(c).find((m) => m.id === id);
    if (!found) throw new GatewayError('model_not_found', `The model ${quoteIdentifier(id, 256)} does not exist or this key may not use it`, { param: 'model' });
    return c.json(found);
  });
  return app;
}
