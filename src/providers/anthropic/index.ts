/**
 * Anthropic's Messages API behind the OpenAI shape. Chat and legacy completions both
 * become `POST /v1/messages`; Anthropic has no embeddings API.
 */
import { GatewayError } from '../../errors.js';
import type { OpenAIBody, Operation, ProviderAdapter, RequestContext, Target, UpstreamCall } from '../types.js';
import { buildAnthropicBody } from './request.js';
import { anthropicClientError, parseAnthropicMessage } from './response.js';
import { AnthropicStreamTranslator } from './stream.js';

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

function refuseEmbeddings(op: Operation): void {
  if (op === 'embeddings') {
    throw new GatewayError('invalid_request_error', 'Anthropic has no embeddings API; use an OpenAI or Gemini model for embeddings', {
      param: 'model',
    });
  }
}

export const anthropicAdapter: ProviderAdapter = {
  type: 'anthropic',
  // The adapter's paths carry /v1, so the base URL does not.
  defaultBaseUrl: 'https://api.anthropic.com',
  supports: ['chat', 'completions'],

  buildRequest(op: Operation, body: OpenAIBody, target: Target, ctx: RequestContext): UpstreamCall {
    refuseEmbeddings(op);
    const out = buildAnthropicBody(op, body, target, ctx.stream);
    return { method: 'POST', path: '/v1/messages', headers: anthropicHeaders(target), body: JSON.stringify(out) };
  },

  parseResponse(op, payload, target, ctx) {
    refuseEmbeddings(op);
    return parseAnthropicMessage(op, payload, target, ctx);
  },

  streamTranslator(op, target, ctx) {
    refuseEmbeddings(op);
    return new AnthropicStreamTranslator(op, target, ctx);
  },

  clientError: anthropicClientError,
};
