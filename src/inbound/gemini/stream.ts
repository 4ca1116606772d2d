/**
 * The pipeline's OpenAI chat.completion.chunk stream → streamGenerateContent's
 * GenerateContentResponse objects, the reverse of stream.ts:
 *
 * delta.content / reasoning_content → a response with that text part, at once
 * delta.tool_calls fragments        → collected: Gemini sends a functionCall whole
 * finish_reason, usage chunk        → kept for the end
 * [DONE] or the end                 → one last response per candidate: the calls, finishReason, usageMetadata
 * data: {"error": …}                → a google.rpc error object, and nothing after it
 *
 * The route frames each object: `data: …\r\n\r\n` for `?alt=sse`, else one JSON array.
 */
import { usageFromOpenAI } from '../../providers/openai/index.js';
import { isObject, parseChunk, type Json } from '../../providers/openai-shape.js';
import { functionCallPart, geminiErrorFromOpenAI, geminiFinishReason, statusForCode, usageMetadataFrom } from './response.js';

export interface GeminiStreamOptions {
  includeThoughts: boolean;
  responseId: string;
  /** the model to name until a chunk names the one that served */
  model: string;
  promptEstimate: number;
}

interface Candidate {
  calls: Map<number, { id?: string; name: string; args: string; extra?: unknown }>;
  finish: unknown;
}

export class GeminiResponseWriter {
  private finished = false;
  private model: string;
  private usage: unknown = null;
  private chars = 0;
  private readonly candidates = new Map<number, Candidate>();

  constructor(private readonly opts: GeminiStreamOptions) {
    this.model = opts.model;
  }

  /** One SSE `data:` payload of the OpenAI stream → GenerateContentResponse objects to send now. */
  push(data: string): Json[] {
    if (this.finished) return [];
    if (data === '[DONE]') return this.end();
    const chunk = parseChunk(data);
    if (!chunk) return [];
    if (isObject(chunk.error)) {
      this.finished = true;
      const status = typeof chunk.status === 'number' ? chunk.status : statusForCode(chunk.error.code);
      return [geminiErrorFromOpenAI(status, chunk)];
    }
    if (typeof chunk.model === 'string') this.model = chunk.model;
    if (isObject(chunk.usage)) this.usage = chunk.usage;
    // One response per chunk, as Gemini sends one per step with a piece of each candidate.
    const candidates: Json[] = [];
    for (const choice of Array.isArray(chunk.choices) ? chunk.choices : []) {
      if (!isObject(choice)) continue;
      const index = typeof choice.index === 'number' ? choice.index : 0;
      const state = this.candidate(index);
      const delta = isObject(choice.delta) ? choice.delta : {};
      const parts: Json[] = [];
      if (this.opts.includeThoughts && typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') {
        parts.push({ text: delta.reasoning_content, thought: true });
      }
      if (typeof delta.content === 'string' && delta.content !== '') {
        this.chars += delta.content.length;
        const google = isObject(delta.extra_content) && isObject(delta.extra_content.google) ? delta.extra_content.google : {};
        parts.push({ text: delta.content, ...(typeof google.thought_signature === 'string' ? { thoughtSignature: google.thought_signature } : {}) });
      }
      for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) if (isObject(call)) this.collect(state, call);
      if (typeof choice.finish_reason === 'string') state.finish = choice.finish_reason;
      if (parts.length > 0) candidates.push({ content: { role: 'model', parts }, index });
    }
    return candidates.length > 0 ? [this.response(candidates)] : [];
  }

  /** The stream ended: each candidate's calls and finishReason, and the usage (once). */
  end(): Json[] {
    if (this.finished) return [];
    this.finished = true;
    if (this.candidates.size === 0) this.candidate(0);
    const candidates = [...this.candidates.entries()].map(([index, state]) => {
      const parts = [...state.calls.values()].map((c) =>
        functionCallPart({ id: c.id, function: { name: c.name, arguments: c.args }, extra_content: c.extra }),
      );
      return { content: { role: 'model', parts: parts.length > 0 ? parts : [{ text: '' }] }, finishReason: geminiFinishReason(state.finish ?? 'stop'), index };
    });
    const estimate = { promptTokens: this.opts.promptEstimate, completionTokens: Math.ceil(this.chars / 4), cachedTokens: 0 };
    const usage = usageFromOpenAI(this.usage) ? this.usage : undefined;
    return [{ ...this.response(candidates), usageMetadata: usageMetadataFrom(usage, estimate) }];
  }

  private candidate(index: number): Candidate {
    let state = this.candidates.get(index);
    if (!state) {
      state = { calls: new Map(), finish: undefined };
      this.candidates.set(index, state);
    }
    return state;
  }

  private collect(state: Candidate, call: Json): void {
    const i = typeof call.index === 'number' ? call.index : state.calls.size;
    const fn = isObject(call.function) ? call.function : {};
    let c = state.calls.get(i);
    if (!c) {
      c = { name: '', args: '' };
      state.calls.set(i, c);
    }
    if (typeof call.id === 'string' && call.id !== '') c.id = call.id;
    if (typeof fn.name === 'string') c.name += fn.name;
    if (typeof fn.arguments === 'string') {
      c.args += fn.arguments;
      this.chars += fn.arguments.length;
    }
    if (isObject(call.extra_content)) c.extra = call.extra_content;
  }

  private response(candidates: Json[]): Json {
    return { candidates, modelVersion: this.model, responseId: this.opts.responseId };
  }
}

/** How a stream of GenerateContentResponse objects goes on the wire. */
export interface GeminiFraming {
  first(obj: Json): string;
  next(obj: Json): string;
  /** what closes the stream; `any` says whether anything was sent */
  close(any: boolean): string;
}

/** `?alt=sse`: one `data:` event per response (Gemini frames with CRLF). */
export const sseFraming: GeminiFraming = {
  first: (o) => `data: ${JSON.stringify(o)}\r\n\r\n`,
  next: (o) => `data: ${JSON.stringify(o)}\r\n\r\n`,
  close: () => '',
};

/** No alt: the whole stream is one JSON array, written element by element. */
export const arrayFraming: GeminiFraming = {
  first: (o) => `[${JSON.stringify(o)}`,
  next: (o) => `,\r\n${JSON.stringify(o)}`,
  close: (any) => (any ? ']' : '[]'),
};
