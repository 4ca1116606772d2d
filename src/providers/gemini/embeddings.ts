/**
 * OpenAI /v1/embeddings ↔ Gemini `models/{model}:batchEmbedContents`
 * (https://ai.google.dev/api/embeddings#method:-models.batchembedcontents).
 */
import { invalidRequest } from '../../errors.js';
import type { OpenAIBody, RequestContext, Target, TranslatedResponse } from '../types.js';

type Json = Record<string, unknown>;

/**
 * The official OpenAI SDKs ask for base64 unless told otherwise and decode it
 * themselves, so the reply must honour encoding_format. parseResponse does not see the
 * request body, so buildRequest leaves the format here, keyed by the request's context.
 */
const encodingFormats = new WeakMap<RequestContext, string>();

function inputs(input: unknown): string[] {
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((s) => typeof s === 'string')) return input as string[];
  throw invalidRequest('input must be a string or an array of strings for Gemini embeddings (token arrays are not supported)', 'input');
}

export function buildEmbeddingsBody(body: OpenAIBody, target: Target, ctx: RequestContext): Json {
  encodingFormats.set(ctx, typeof body.encoding_format === 'string' ? body.encoding_format : 'float');
  const model = `models/${target.upstreamModel.replace(/^models\//, '')}`;
  const dims = typeof body.dimensions === 'number' ? { outputDimensionality: body.dimensions } : {};
  return { requests: inputs(body.input).map((text) => ({ model, content: { parts: [{ text }] }, ...dims })) };
}

function toBase64(values: number[]): string {
  const floats = Float32Array.from(values);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString('base64');
}

export function parseEmbeddings(payload: unknown, target: Target, ctx: RequestContext): TranslatedResponse {
  const res = (payload && typeof payload === 'object' ? payload : {}) as Json;
  const base64 = encodingFormats.get(ctx) === 'base64';
  const list = (Array.isArray(res.embeddings) ? res.embeddings : []) as Json[];
  const data = list.map((e, index) => {
    const values = (Array.isArray(e.values) ? e.values : []) as number[];
    return { object: 'embedding', index, embedding: base64 ? toBase64(values) : values };
  });
  // batchEmbedContents reports no token counts; the gateway estimates them.
  return { body: { object: 'list', data, model: target.servedAs, usage: { prompt_tokens: 0, total_tokens: 0 } }, usage: null };
}
