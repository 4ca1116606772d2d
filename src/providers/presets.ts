/**
 * Presets for `tokenhub providers add NAME --preset X`: the type, base URL and
 * conventional API-key variable of the servers people run, and, for
 * `tokenhub providers test`, how each provider type lists its models.
 */
import type { ProviderType } from '../config/schema.js';
import type { OpenAIBody } from './types.js';

export interface ProviderPreset {
  type: ProviderType;
  /** omitted when the provider type's default is right */
  baseUrl?: string;
  /** the variable the provider's own SDKs and docs use; omitted for local servers without keys */
  apiKeyEnv?: string;
  description: string;
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
  mistral: { type: 'openai-compatible', baseUrl: 'https://api.mistral.ai/v1', apiKeyEnv: 'MISTRAL_API_KEY', description: 'Mistral AI' },
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
