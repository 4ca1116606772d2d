/** The headers every request to Anthropic carries: the API version, the provider's own headers, its key. */
import type { Target } from '../types.js';

export const ANTHROPIC_VERSION = '2023-06-01';

export function anthropicHeaders(target: Target): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'anthropic-version': ANTHROPIC_VERSION,
    ...target.provider.headers,
  };
  if (target.provider.apiKey) headers['x-api-key'] = target.provider.apiKey;
  return headers;
}
