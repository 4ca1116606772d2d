/**
 * OpenAI's wire format for the fakes, from recorded examples (test/fixtures/openai/wire/,
 * copied from OpenAI's API reference): each reply is a clone of an example with only
 * the values a test chooses changed. Nothing here comes from TokenHub's own code, so a
 * wire-format mistake in TokenHub cannot agree with itself.
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const WIRE = join(import.meta.dirname, '..', 'fixtures', 'openai', 'wire');
const examples = new Map<string, string>();
/** A fresh copy of a recorded example. */
function example(name: string): Json {
  let text = examples.get(name);
  if (text === undefined) {
    text = readFileSync(join(WIRE, `${name}.json`), 'utf8');
    examples.set(name, text);
  }
  return JSON.parse(text) as Json;
}

export interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens?: number;
}

/** The example's usage object with the test's counts (details kept as OpenAI shapes them). */
function withCounts(usage: Json, u: WireUsage): Json {
  usage.prompt_tokens = u.prompt_tokens;
  usage.completion_tokens = u.completion_tokens;
  usage.total_tokens = u.prompt_tokens + u.completion_tokens;
  if (usage.prompt_tokens_details) usage.prompt_tokens_details.cached_tokens = u.cached_tokens ?? 0;
  return usage;
}

export function chatCompletion(id: string, model: string, content: string, usage: WireUsage, finish = 'stop'): Json {
  const body = example('chat-completion');
  Object.assign(body, { id, model });
  body.choices[0].message.content = content;
  body.choices[0].finish_reason = finish;
  withCounts(body.usage, usage);
  return body;
}

export function textCompletion(id: string, model: string, text: string, usage: WireUsage, finish = 'stop'): Json {
  const body = example('completion');
  Object.assign(body, { id, model });
  body.choices[0].text = text;
  body.choices[0].finish_reason = finish;
  withCounts(body.usage, usage);
  return body;
}

export function embeddingList(model: string, inputs: string[]): Json {
  const body = example('embeddings');
  const template = body.data[0] as Json;
  body.data = inputs.map((text, index) => ({ ...template, embedding: vectorFor(text, template.embedding.length), index }));
  body.model = model;
  const tokens = inputs.reduce((n, t) => n + Math.ceil(t.length / 4), 0);
  body.usage = { ...body.usage, prompt_tokens: tokens, total_tokens: tokens };
  return body;
}

/** A deterministic unit vector for a text. */
function vectorFor(text: string, dims: number): number[] {
  const v = new Array<number>(dims).fill(0);
  for (let i = 0; i < text.length; i++) v[i % dims]! += (text.charCodeAt(i) % 17) - 8;
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => Math.round((x / norm) * 1e6) / 1e6);
}

/** A streamed chat completion: the role chunk, one chunk per piece, the finish chunk, then (if asked) the usage chunk. */
export function chatChunks(id: string, model: string, pieces: string[], usage: WireUsage | null, finish = 'stop'): Json[] {
  const chunk = (delta: Json, finishReason: string | null): Json => {
    const c = example('chat-chunk');
    Object.assign(c, { id, model });
    c.choices[0].delta = delta;
    c.choices[0].finish_reason = finishReason;
    // with stream_options.include_usage every chunk carries "usage": null until the last
    if (usage) c.usage = null;
    return c;
  };
  const out = [chunk({ role: 'assistant', content: '' }, null), ...pieces.map((p) => chunk({ content: p }, null)), chunk({}, finish)];
  if (usage) {
    const last = example('chat-usage-chunk');
    Object.assign(last, { id, model });
    withCounts(last.usage, usage);
    out.push(last);
  }
  return out;
}

export function textChunks(id: string, model: string, pieces: string[], usage: WireUsage | null, finish = 'stop'): Json[] {
  const chunk = (text: string, finishReason: string | null): Json => {
    const c = example('completion-chunk');
    Object.assign(c, { id, model });
    c.choices[0].text = text;
    c.choices[0].finish_reason = finishReason;
    return c;
  };
  const out = [...pieces.map((p) => chunk(p, null)), chunk('', finish)];
  if (usage) {
    const last = example('completion-chunk');
    Object.assign(last, { id, model, choices: [], usage: withCounts(example('completion').usage, usage) });
    out.push(last);
  }
  return out;
}

export function openAIError(message: string, type: string, code: string | null = null): Json {
  const body = example('error');
  Object.assign(body.error, { message, type, code });
  return body;
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
