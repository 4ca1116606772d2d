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
const pending = new WeakMap<RequestContext, { format: string; chars: number }>();

function inputs(input: unknown): string[] {
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((s) => typeof s === 'string')) return input as string[];
  throw invalidRequest('input must be a string or an array of strings for Gemini embeddings (token arrays are not supported)', 'input');
}

export function buildEmbeddingsBody(body: OpenAIBody, target: Target, ctx: RequestContext): Json {
  const texts = inputs(body.input);
  const format = typeof body.encoding_format === 'string' ? body.encoding_format : 'float';
  pending.set(ctx, { format, chars: texts.reduce((n, t) => n + t.length, 0) });
  const model = `models/${target.upstreamModel.replace(/^models\//, '')}`;
  const dims = typeof body.dimensions === 'number' ? { outputDimensionality: body.dimensions } : {};
  return { requests: texts.map((text) => ({ model, content: { parts: [{ text }] }, ...dims })) };
}

function toBase64(values: number[]): string {
  const floats = Float32Array.from(values);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString('base64');
}

export function parseEmbeddings(payload: unknown, target: Target, ctx: RequestContext): TranslatedResponse {
  const res = (payload && typeof payload === 'object' ? payload : {}) as Json;
  const request = pending.get(ctx);
  const base64 = request?.format === 'base64';
  const list = (Array.isArray(res.embeddings) ? res.embeddings : []) as Json[];
  const data = list.map((e, index) => {
    const values = (Array.isArray(e.values) ? e.values : []) as number[];
    return { object: 'embedding', index, embedding: base64 ? toBase64(values) : values };
  });
  // batchEmbedContents reports no token counts: the client gets the gateway's usual
  // four-characters-a-token estimate, and usage null tells the gateway to record an estimate.
  const estimate = Math.ceil((request?.chars ?? 0) / 4);
  return { body: { object: 'list', data, model: target.servedAs, usage: { prompt_tokens: estimate, total_tokens: estimate } }, usage: null };
}
