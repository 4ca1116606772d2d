/**
 * OpenAI's wire format, produced: the response objects and SSE chunks an OpenAI
 * server sends, for the demo's simulated providers. (The test fakes build theirs from
 * recorded examples instead, so TokenHub's code never checks itself.)
 */
import type { ServerResponse } from 'node:http';

export interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens?: number;
}

function usageObject(u: WireUsage) {
  return {
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    total_tokens: u.prompt_tokens + u.completion_tokens,
    prompt_tokens_details: { cached_tokens: u.cached_tokens ?? 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

export function chatCompletion(id: string, model: string, content: string, usage: WireUsage, finish = 'stop') {
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: finish }],
    usage: usageObject(usage),
    system_fingerprint: 'fp_tokenhub_fake',
  };
}

export function textCompletion(id: string, model: string, text: string, usage: WireUsage, finish = 'stop') {
  return {
    id,
    object: 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, text, logprobs: null, finish_reason: finish }],
    usage: { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

export function embeddingList(model: string, inputs: string[], dims = 8) {
  return {
    object: 'list',
    data: inputs.map((text, index) => ({ object: 'embedding', index, embedding: fakeVector(text, dims) })),
    model,
    usage: { prompt_tokens: inputs.reduce((n, t) => n + Math.ceil(t.length / 4), 0), total_tokens: inputs.reduce((n, t) => n + Math.ceil(t.length / 4), 0) },
  };
}

/** A deterministic unit vector for a text. */
function fakeVector(text: string, dims: number): number[] {
  const v = new Array<number>(dims).fill(0);
  for (let i = 0; i < text.length; i++) v[i % dims]! += (text.charCodeAt(i) % 17) - 8;
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => Math.round((x / norm) * 1e6) / 1e6);
}

/** The chunks of a streamed chat completion: role, one per piece, finish, then (if asked) usage. */
export function chatChunks(id: string, model: string, pieces: string[], usage: WireUsage | null, finish = 'stop'): object[] {
  const created = Math.floor(Date.now() / 1000);
  const base = { id, object: 'chat.completion.chunk', created, model, system_fingerprint: 'fp_tokenhub_fake' };
  const withUsage = usage ? { usage: null } : {};
  const out: object[] = [{ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }], ...withUsage }];
  for (const p of pieces) out.push({ ...base, choices: [{ index: 0, delta: { content: p }, logprobs: null, finish_reason: null }], ...withUsage });
  out.push({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: finish }], ...withUsage });
  if (usage) out.push({ ...base, choices: [], usage: usageObject(usage) });
  return out;
}

export function textChunks(id: string, model: string, pieces: string[], usage: WireUsage | null, finish = 'stop'): object[] {
  const created = Math.floor(Date.now() / 1000);
  const base = { id, object: 'text_completion', created, model };
  const out: object[] = pieces.map((text) => ({ ...base, choices: [{ index: 0, text, logprobs: null, finish_reason: null }] }));
  out.push({ ...base, choices: [{ index: 0, text: '', logprobs: null, finish_reason: finish }] });
  if (usage) out.push({ ...base, choices: [], usage: { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, total_tokens: usage.prompt_tokens + usage.completion_tokens } });
  return out;
}

export function openAIError(message: string, type: string, code: string | null = null) {
  return { error: { message, type, param: null, code } };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function startSse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
}

export const sseFrame = (chunk: object | string): string => `data: ${typeof chunk === 'string' ? chunk : JSON.stringify(chunk)}\n\n`;

/** Estimated tokens of a chat request's messages, as a simulated provider counts them. */
export function promptTokensOf(body: Record<string, unknown>): number {
  const src = body.messages ?? body.prompt ?? body.input ?? '';
  return Math.max(1, Math.ceil(JSON.stringify(src).length / 4));
}
