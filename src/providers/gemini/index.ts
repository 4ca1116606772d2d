/**
 * Google's Gemini API (generativelanguage v1beta) behind the OpenAI shape: chat and
 * legacy completions go to generateContent / streamGenerateContent?alt=sse, embeddings
 * to batchEmbedContents.
 */
import type { OpenAIBody, Operation, ProviderAdapter, RequestContext, Target, UpstreamCall } from '../types.js';
import { buildEmbeddingsBody, parseEmbeddings } from './embeddings.js';
import { buildGeminiBody } from './request.js';
import { geminiClientError, parseGeminiResponse } from './response.js';
import { GeminiStreamTranslator } from './stream.js';
import { geminiNative } from './native.js';

export function geminiHeaders(target: Target): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...target.provider.headers };
  if (target.provider.apiKey) headers['x-goog-api-key'] = target.provider.apiKey;
  return headers;
}

/** `/v1beta/models/{model}:{method}`; a configured id may already say `models/…`. */
export function geminiPath(model: string, method: string): string {
  const id = model.replace(/^models\//, '');
  return `/v1beta/models/${encodeURIComponent(id)}:${method}`;
}

export const geminiAdapter: ProviderAdapter = {
  type: 'gemini',
  // The adapter's paths carry /v1beta, so the base URL does not.
  defaultBaseUrl: 'https://generativelanguage.googleapis.com',
  supports: ['chat', 'completions', 'embeddings'],

  buildRequest(op: Operation, body: OpenAIBody, target: Target, ctx: RequestContext): UpstreamCall {
    const headers = geminiHeaders(target);
    if (op === 'embeddings') {
      const payload = buildEmbeddingsBody(body, target, ctx);
      return { method: 'POST', path: geminiPath(target.upstreamModel, 'batchEmbedContents'), headers, body: JSON.stringify(payload) };
    }
    const method = ctx.stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
    return { method: 'POST', path: geminiPath(target.upstreamModel, method), headers, body: JSON.stringify(buildGeminiBody(op, body)) };
  },

  parseResponse(op, payload, target, ctx) {
    return op === 'embeddings' ? parseEmbeddings(payload, target, ctx) : parseGeminiResponse(op, payload, target, ctx);
  },

  streamTranslator(op, target, ctx) {
    return new GeminiStreamTranslator(op, target, ctx);
  },

  clientError: geminiClientError,

  native: geminiNative(geminiHeaders),
};
