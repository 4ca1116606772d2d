/**
 * Anthropic's Messages API behind the OpenAI shape. Chat and legacy completions both
 * become `POST /v1/messages`; Anthropic has no embeddings API. A client that speaks
 * the Messages API itself (/v1/messages) skips the translation: native.ts.
 */
import { GatewayError } from '../../errors.js';
import type { OpenAIBody, Operation, ProviderAdapter, RequestContext, Target, UpstreamCall } from '../types.js';
import { anthropicHeaders } from './headers.js';
import { anthropicNative } from './native.js';
import { buildAnthropicBody } from './request.js';
import { anthropicClientError, parseAnthropicMessage } from './response.js';
import { AnthropicStreamTranslator } from './stream.js';

export { ANTHROPIC_VERSION, anthropicHeaders } from './headers.js';

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
  native: anthropicNative,

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
