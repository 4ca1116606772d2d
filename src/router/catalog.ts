/**
 * The routing table, built once per config load so a request only does map lookups:
 * every model id (short and provider-prefixed) and every route alias → its targets.
 */
import type { ConfigFile, ProviderType, RouteConfig, Strategy } from '../config/schema.js';
import { DEFAULT_OUTPUT_CAP } from '../config/schema.js';
import { adapterFor } from '../providers/registry.js';
import type { ProviderRuntime, Target } from '../providers/types.js';
import { DEFAULT_HEALTH, type HealthSettings } from './health.js';
import { compilePatterns, matchPattern, type RoutePattern } from './patterns.js';

export const DEFAULT_TIMEOUTS = { connectMs: 5_000, firstByteMs: 60_000, idleMs: 60_000, totalMs: 600_000 };

export interface ModelEntry {
  /** `${provider}/${model}` */
  id: string;
  target: Target;
}

export interface Catalog {
  providers: Map<string, ProviderRuntime>;
  /** short id or provider-prefixed id → targets, in config order */
  models: Map<string, Target[]>;
  routes: Map<string, RouteConfig>;
  /** the routes whose names are patterns (`claude-*`), most specific first */
  patterns: RoutePattern[];
  /** every provider/model pair, in config order (for /v1/models) */
  entries: ModelEntry[];
  defaultStrategy: Strategy;
  defaultFallback: string[];
  /** circuit thresholds, Retry-After cap and the request deadline */
  health: HealthSettings;
  /** problems that do not stop the daemon (unknown type, missing key) */
  warnings: string[];
}

const KEYLESS_TYPES: ProviderType[] = ['openai-compatible'];

export function buildCatalog(config: ConfigFile, env: NodeJS.ProcessEnv = process.env): Catalog {
  const providers = new Map<string, ProviderRuntime>();
  const models = new Map<string, Target[]>();
  const entries: ModelEntry[] = [];
  const warnings: string[] = [];

  for (const [name, p] of Object.entries(config.providers)) {
    if (p.enabled === false) continue;
    const adapter = adapterFor(p.type);
    if (!adapter) {
      warnings.push(`provider ${name}: type ${p.type} is not supported by this version; skipped`);
      continue;
    }
    const baseUrl = (p.base_url ?? adapter.defaultBaseUrl ?? '').replace(/\/+$/, '');
    if (!baseUrl) {
      warnings.push(`provider ${name}: base_url is required for type ${p.type}; skipped`);
      continue;
    }
    const apiKey = p.api_key || (p.api_key_env ? env[p.api_key_env] : undefined) || undefined;
    if (!apiKey && !KEYLESS_TYPES.includes(p.type)) {
      warnings.push(`provider ${name}: no API key (${p.api_key_env ? `${p.api_key_env} is not set` : 'set api_key_env'})`);
    }
    const t = p.timeouts ?? {};
    const runtime: ProviderRuntime = {
      name,
      type: p.type,
      baseUrl,
      apiKey,
      headers: p.headers ?? {},
      timeouts: {
        connectMs: t.connect_ms ?? DEFAULT_TIMEOUTS.connectMs,
        firstByteMs: t.first_byte_ms ?? DEFAULT_TIMEOUTS.firstByteMs,
        idleMs: t.idle_ms ?? DEFAULT_TIMEOUTS.idleMs,
        totalMs: t.total_ms ?? DEFAULT_TIMEOUTS.totalMs,
      },
      weight: p.weight ?? 1,
      streamUsage: p.stream_usage ?? true,
      ...(p.responses ? { responses: true } : {}),
    };
    providers.set(name, runtime);
    for (const [model, info] of Object.entries(p.models)) {
      const target: Target = {
        provider: runtime,
        model,
        upstreamModel: info?.upstream_id ?? model,
        servedAs: `${name}/${model}`,
        info: info ?? null,
      };
      entries.push({ id: target.servedAs, target });
      const embeddingsOnly = info?.capabilities?.length === 1 && info.capabilities[0] === 'embeddings';
      if (info?.output && info.max_output === undefined && !embeddingsOnly) {
        warnings.push(`provider ${name}: model ${model} has a price but no max_output; budgeted keys reserve and cap its answers at ${DEFAULT_OUTPUT_CAP} output tokens`);
      }
      models.set(target.servedAs, [target]);
      const short = models.get(model);
      if (short) short.push(target);
      else models.set(model, [target]);
    }
  }

  const routes = new Map(Object.entries(config.routes));
  for (const [alias, route] of routes) {
    for (const id of [...route.targets, ...(route.fallback ?? [])]) {
      if (!models.has(id)) warnings.push(`route ${alias}: ${id} is not a configured model`);
    }
  }

  return {
    providers,
    models,
    routes,
    patterns: compilePatterns(routes.keys()),
    entries,
    defaultStrategy: config.routing.strategy,
    defaultFallback: config.routing.fallback ?? [],
    health: healthSettings(config.routing),
    warnings,
  };
}

/**
 * The route a requested name uses: a route of that exact name, else none when a model
 * has that id, else the most specific route pattern matching it.
 */
export function routeFor(catalog: Catalog, id: string): { name: string; route: RouteConfig } | undefined {
  const exact = catalog.routes.get(id);
  if (exact) return { name: id, route: exact };
  if (catalog.models.has(id) || catalog.patterns.length === 0) return undefined;
  const pattern = matchPattern(catalog.patterns, id);
  return pattern ? { name: pattern.name, route: catalog.routes.get(pattern.name)! } : undefined;
}

function healthSettings(routing: ConfigFile['routing']): HealthSettings {
  const c = routing.circuit ?? {};
  const d = DEFAULT_HEALTH;
  return {
    circuit: {
      failures: c.failures ?? d.circuit.failures,
      cooldownMs: c.cooldown_ms ?? d.circuit.cooldownMs,
      maxCooldownMs: Math.max(c.max_cooldown_ms ?? d.circuit.maxCooldownMs, c.cooldown_ms ?? 0),
    },
    retryAfterCapMs: routing.retry_after_cap_ms ?? d.retryAfterCapMs,
    totalMs: routing.total_ms ?? d.totalMs,
  };
}
