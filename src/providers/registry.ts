import type { ProviderType } from '../config/schema.js';
import { anthropicAdapter } from './anthropic/index.js';
import { geminiAdapter } from './gemini/index.js';
import { createOpenAIAdapter } from './openai/index.js';
import type { ProviderAdapter } from './types.js';

/** Every provider type the gateway speaks. A new type is one folder and one line here. */
const ADAPTERS: Partial<Record<ProviderType, ProviderAdapter>> = {
  openai: createOpenAIAdapter('openai'),
  'openai-compatible': createOpenAIAdapter('openai-compatible'),
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
};

export function adapterFor(type: ProviderType): ProviderAdapter | undefined {
  return ADAPTERS[type];
}
