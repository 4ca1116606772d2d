/**
 * Presets for `tokenhub providers add NAME --preset X`: the type, base URL and
 * conventional API-key variable of the servers people run, and, for
 * `tokenhub providers test`, how each provider type lists its models.
 */
import type { ProviderType } from '../config/schema.js';
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
}

export const PRESETS = {
  openai: { type: 'openai', apiKeyEnv: 'OPENAI_API_KEY', description: 'OpenAI' },
  anthropic: { type: 'anthropic', apiKeyEnv: 'ANTHROPIC_API_KEY', description: 'Anthropic Messages API' },
  gemini: { type: 'gemini', apiKeyEnv: 'GEMINI_API_KEY', description: 'Google Gemini API' },
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
