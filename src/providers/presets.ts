/**
 * Presets for `tokenhub providers add NAME --preset X`: the type, base URL and
 * conventional API-key variable of the servers people run, and, for
 * `tokenhub providers test`, how each provider type lists its models.
 */
import type { ModelConfig, ProviderType } from '../config/schema.js';
import type { OpenAIBody, ProviderAdapter, RequestContext, Target } from './types.js';

export interface ProviderPreset {
  type: ProviderType;
  /** omitted when the provider type's default is right */
  baseUrl?: string;
  /** the variable the provider's own SDKs and docs use; omitted for local servers without keys */
  apiKeyEnv?: string;
  description: string;
  /** false for servers that reject `stream_options` (usage is then taken from the stream if sent, else counted) */
  streamUsage?: false;
  /** current models with their published prices, written by `providers add` when no --model says otherwise */
  models?: Readonly<Record<string, ModelConfig>>;
}

/**
 * Published list prices in USD per million tokens (standard tier, prompts up to 200K
 * tokens), as the providers' pricing pages gave them in late 2025; `tokenhub models`
 * shows them and config.yaml can override any of them. Anthropic: cache reads 0.1×
 * input, 5-minute cache writes 1.25× input. OpenAI and Gemini cache automatically:
 * reads are discounted and writes cost nothing extra.
 */
const ANTHROPIC_MODELS: Record<string, ModelConfig> = {
  'claude-opus-4-5': { input: 5, output: 25, cached_input: 0.5, cache_write: 6.25, cache_write_1h: 10, context: 200_000, max_output: 64_000 },
  'claude-opus-4-1': { input: 15, output: 75, cached_input: 1.5, cache_write: 18.75, cache_write_1h: 30, context: 200_000, max_output: 32_000 },
  'claude-sonnet-4-5': { input: 3, output: 15, cached_input: 0.3, cache_write: 3.75, cache_write_1h: 6, context: 200_000, max_output: 64_000 },
  'claude-sonnet-4-0': { input: 3, output: 15, cached_input: 0.3, cache_write: 3.75, cache_write_1h: 6, context: 200_000, max_output: 64_000 },
  'claude-haiku-4-5': { input: 1, output: 5, cached_input: 0.1, cache_write: 1.25, cache_write_1h: 2, context: 200_000, max_output: 64_000 },
  'claude-3-5-haiku-latest': { input: 0.8, output: 4, cached_input: 0.08, cache_write: 1, cache_write_1h: 1.6, context: 200_000, max_output: 8_192 },
};

const OPENAI_MODELS: Record<string, ModelConfig> = {
  'gpt-5.1': { input: 1.25, output: 10, cached_input: 0.125, context: 400_000, max_output: 128_000 },
  'gpt-5': { input: 1.25, output: 10, cached_input: 0.125, context: 400_000, max_output: 128_000 },
  'gpt-5-mini': { input: 0.25, output: 2, cached_input: 0.025, context: 400_000, max_output: 128_000 },
  'gpt-5-nano': { input: 0.05, output: 0.4, cached_input: 0.005, context: 400_000, max_output: 128_000 },
  'gpt-4.1': { input: 2, output: 8, cached_input: 0.5, context: 1_047_576, max_output: 32_768 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6, cached_input: 0.1, context: 1_047_576, max_output: 32_768 },
  'gpt-4o': { input: 2.5, output: 10, cached_input: 1.25, context: 128_000, max_output: 16_384 },
  'gpt-4o-mini': { input: 0.15, output: 0.6, cached_input: 0.075, context: 128_000, max_output: 16_384 },
  o3: { input: 2, output: 8, cached_input: 0.5, context: 200_000, max_output: 100_000 },
  'o4-mini': { input: 1.1, output: 4.4, cached_input: 0.275, context: 200_000, max_output: 100_000 },
  'text-embedding-3-small': { input: 0.02, capabilities: ['embeddings'] },
  'text-embedding-3-large': { input: 0.13, capabilities: ['embeddings'] },
};

const GEMINI_MODELS: Record<string, ModelConfig> = {
  'gemini-3-pro-preview': { input: 2, output: 12, cached_input: 0.2, context: 1_048_576, max_output: 65_536 },
  'gemini-2.5-pro': { input: 1.25, output: 10, cached_input: 0.125, context: 1_048_576, max_output: 65_536 },
  'gemini-2.5-flash': { input: 0.3, output: 2.5, cached_input: 0.03, context: 1_048_576, max_output: 65_536 },
  'gemini-2.5-flash-lite': { input: 0.1, output: 0.4, cached_input: 0.01, context: 1_048_576, max_output: 65_536 },
  'gemini-embedding-001': { input: 0.15, capabilities: ['embeddings'] },
};

export const PRESETS = {
  openai: { type: 'openai', apiKeyEnv: 'OPENAI_API_KEY', description: 'OpenAI', models: OPENAI_MODELS },
  anthropic: { type: 'anthropic', apiKeyEnv: 'ANTHROPIC_API_KEY', description: 'Anthropic Messages API', models: ANTHROPIC_MODELS },
  gemini: { type: 'gemini', apiKeyEnv: 'GEMINI_API_KEY', description: 'Google Gemini API', models: GEMINI_MODELS },
  ollama: { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:11434/v1', description: 'Ollama on this machine' },
  vllm: { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:8000/v1', apiKeyEnv: 'VLLM_API_KEY', description: 'vLLM server (key only if started with --api-key)' },
  lmstudio: { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:1234/v1', description: 'LM Studio local server' },
  groq: { type: 'openai-compatible', baseUrl: 'https://api.groq.com/openai/v1', apiKeyEnv: 'GROQ_API_KEY', description: 'Groq' },
  deepseek: { type: 'openai-compatible', baseUrl: 'https://api.deepseek.com/v1', apiKeyEnv: 'DEEPSEEK_API_KEY', description: 'DeepSeek' },
  mistral: { type: 'openai-compatible', baseUrl: 'https://api.mistral.ai/v1', apiKeyEnv: 'MISTRAL_API_KEY', streamUsage: false, description: 'Mistral AI (sends usage in its last chunk unasked)' },
  openrouter: { type: 'openai-compatible', baseUrl: 'https://openrouter.ai/api/v1', apiKeyEnv: 'OPENROUTER_API_KEY', description: 'OpenRouter' },
  together: { type: 'openai-compatible', baseUrl: 'https://api.together.xyz/v1', apiKeyEnv: 'TOGETHER_API_KEY', description: 'Together AI' },
} as const satisfies Record<string, ProviderPreset>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function presetFor(name: string): ProviderPreset | undefined {
  return Object.hasOwn(PRESETS, name) ? PRESETS[name as PresetName] : undefined;
}

/** Where a provider type lists its models (relative to the base URL) and how to read the answer. */
export interface ModelListing {
  path: string;
  parse(payload: unknown): string[];
}

const ids = (list: unknown, field: string, strip = ''): string[] =>
  Array.isArray(list)
    ? list
        .map((m) => (m && typeof m === 'object' ? (m as Record<string, unknown>)[field] : undefined))
        .filter((v): v is string => typeof v === 'string')
        .map((v) => (strip && v.startsWith(strip) ? v.slice(strip.length) : v))
    : [];

const field = (payload: unknown, key: string): unknown => (payload && typeof payload === 'object' ? (payload as Record<string, unknown>)[key] : undefined);

const MODEL_LISTINGS: Record<ProviderType, ModelListing> = {
  openai: { path: '/models', parse: (p) => ids(field(p, 'data'), 'id') },
  'openai-compatible': { path: '/models', parse: (p) => ids(field(p, 'data'), 'id') },
  anthropic: { path: '/v1/models', parse: (p) => ids(field(p, 'data'), 'id') },
  gemini: { path: '/v1beta/models', parse: (p) => ids(field(p, 'models'), 'name', 'models/') },
};

export const modelListingFor = (type: ProviderType): ModelListing => MODEL_LISTINGS[type];

/** The smallest request that proves a provider answers: a few output tokens. */
export function probeBody(model: string): OpenAIBody {
  return { model, messages: [{ role: 'user', content: 'Reply with the word OK.' }], max_tokens: 5, stream: false };
}

export interface ProbeResult {
  provider: string;
  type: ProviderType;
  baseUrl: string;
  /** the tiny chat request; null when there was no model to try */
  request: { model: string; ok: boolean; status: number | null; latencyMs: number; reply?: string; error?: string } | null;
  models: { ok: boolean; status: number | null; ids: string[]; error?: string };
}

type Send = (url: string, init: { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal }) => Promise<Response>;

const describe = (err: unknown): string => {
  const e = err as { name?: string; message?: string; cause?: { code?: string } };
  if (e?.name === 'TimeoutError') return 'timed out';
  return e?.cause?.code ?? e?.message ?? String(err);
};

/**
 * `tokenhub providers test`: one tiny chat request through the provider's own adapter,
 * then the provider's model list. `send` is fetch, injectable for tests.
 */
export async function probeProvider(target: Target, adapter: ProviderAdapter, model: string | undefined, send: Send = fetch, timeoutMs = 30_000): Promise<ProbeResult> {
  const p = target.provider;
  const ctx: RequestContext = { requestId: 'probe', stream: false, clientWantsUsage: false, created: Math.floor(Date.now() / 1000) };
  const result: ProbeResult = { provider: p.name, type: p.type, baseUrl: p.baseUrl, request: null, models: { ok: false, status: null, ids: [] } };
  // The chat request's headers carry the provider's auth, which the model list needs too.
  const call = adapter.buildRequest('chat', probeBody(model ?? target.upstreamModel), { ...target, upstreamModel: model ?? target.upstreamModel }, ctx);
  if (model) {
    const started = performance.now();
    try {
      const res = await send(p.baseUrl + call.path, { method: call.method, headers: call.headers, body: call.body, signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      const latencyMs = Math.round(performance.now() - started);
      if (res.ok) {
        const body = adapter.parseResponse('chat', JSON.parse(text), target, ctx).body as { choices?: { message?: { content?: string } }[] };
        result.request = { model, ok: true, status: res.status, latencyMs, reply: String(body.choices?.[0]?.message?.content ?? '') };
      } else {
        const err = JSON.parse(adapter.clientError(res.status, text).body) as { error?: { message?: string } };
        result.request = { model, ok: false, status: res.status, latencyMs, error: err.error?.message ?? `HTTP ${res.status}` };
      }
    } catch (err) {
      result.request = { model, ok: false, status: null, latencyMs: Math.round(performance.now() - started), error: describe(err) };
    }
  }
  const listing = modelListingFor(p.type);
  const headers = { ...call.headers };
  delete headers['content-type'];
  try {
    const res = await send(p.baseUrl + listing.path, { method: 'GET', headers, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    result.models = res.ok ? { ok: true, status: res.status, ids: listing.parse(JSON.parse(text)) } : { ok: false, status: res.status, ids: [], error: text.slice(0, 200) };
  } catch (err) {
    result.models = { ok: false, status: null, ids: [], error: describe(err) };
  }
  return result;
}
