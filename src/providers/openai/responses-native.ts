/**
 * Responses → Responses: a /v1/responses request served by an `openai` provider (or an
 * `openai-compatible` one configured with `responses: true`) goes to the provider's own
 * /responses with only `model` swapped, so built-in tools, reasoning items, encrypted
 * content and whatever OpenAI ships next survive. The answer comes back as sent, `model`
 * set to the served name; it is read only to meter usage (from response.completed in
 * streams).
 */
import type { SseEvent } from '../../upstream/sse.js';
import type { NativeAdapter, NativeRequest, ProviderRuntime, RequestContext, StreamTranslator, Target, TranslatedResponse, Usage } from '../types.js';
import { rewriteModel } from './json-scan.js';

type Json = Record<string, unknown>;

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** Responses usage → the gateway's Usage. */
export function usageFromResponses(u: unknown): Usage | null {
  if (!u || typeof u !== 'object') return null;
  const o = u as Json;
  const input = (o.input_tokens_details ?? {}) as Json;
  const output = (o.output_tokens_details ?? {}) as Json;
  return { promptTokens: num(o.input_tokens), completionTokens: num(o.output_tokens), cachedTokens: num(input.cached_tokens), reasoningTokens: num(output.reasoning_tokens) };
}

function parse(data: string): Json | null {
  try {
    const v = JSON.parse(data) as unknown;
    return v && typeof v === 'object' ? (v as Json) : null;
  } catch {
    return null;
  }
}

/** The event's type: the `event:` line OpenAI sends, else the payload's own `type`. */
function typeOf(ev: SseEvent): string | undefined {
  if (ev.event !== undefined) return ev.event;
  return /^\{\s*"type"\s*:\s*"([a-z_.]+)"/.exec(ev.data)?.[1];
}

const frameOf = (ev: SseEvent, data = ev.data): string => `${ev.event !== undefined ? `event: ${ev.event}\n` : ''}data: ${data}\n\n`;

/** Events that carry the whole Response, whose model is rewritten and whose usage is final. */
const RESPONSE_EVENTS = new Set(['response.created', 'response.in_progress', 'response.queued', 'response.completed', 'response.incomplete', 'response.failed']);
const FINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/**
 * Passes frames through. response.created and response.in_progress are held until the
 * first other event, so a failure right at the start leaves the client's stream unsent
 * and the gateway can fail over.
 */
export class ResponsesNativeStream implements StreamTranslator {
  private readonly quotedModel: string;
  private held: string[] | null = [];
  private reported: Usage | null = null;
  private chars = 0;
  private failure: { message: string; type?: string } | null = null;
  private finished = false;

  constructor(target: Target) {
    this.quotedModel = JSON.stringify(target.servedAs);
  }

  push(ev: SseEvent): string[] {
    if (ev.data === '' || ev.data === '[DONE]') return [];
    const type = typeOf(ev);
    let frame: string;
    if (type !== undefined && RESPONSE_EVENTS.has(type)) {
      if (FINAL_EVENTS.has(type)) {
        this.finished = true;
        const response = parse(ev.data)?.response as Json | undefined;
        this.reported = usageFromResponses(response?.usage) ?? this.reported;
        if (type === 'response.failed') {
          const e = (response?.error ?? {}) as Json;
          this.failure = { message: String(e.message ?? 'the provider failed the response'), type: typeof e.code === 'string' ? e.code : undefined };
        }
      }
      frame = frameOf(ev, rewriteModel(ev.data, this.quotedModel));
    } else if (type === 'error') {
      const e = parse(ev.data) ?? {};
      const inner = (e.error ?? e) as Json;
      this.failure = { message: String(inner.message ?? 'provider error in stream'), type: typeof inner.code === 'string' ? inner.code : undefined };
      frame = frameOf(ev);
    } else {
      // deltas: generated text, for an estimate should the provider report no usage (the envelope is ~100 characters)
      if (type?.endsWith('.delta')) this.chars += Math.max(0, ev.data.length - 100);
      frame = frameOf(ev);
    }
    if (this.held === null) return [frame];
    if ((type === 'response.created' || type === 'response.in_progress' || type === 'response.queued') && this.failure === null) {
      this.held.push(frame);
      return [];
    }
    if (this.failure !== null) return [];
    const out = [...this.held, frame];
    this.held = null;
    return out;
  }

  end(): string[] {
    const rest = this.held ?? [];
    this.held = null;
    return this.failure ? [] : rest;
  }

  usage(): Usage | null {
    return this.reported;
  }

  outputChars(): number {
    return this.chars;
  }

  error(): { message: string; type?: string } | null {
    return this.failure;
  }

  complete(): boolean {
    return this.finished;
  }
}

export const responsesNative: NativeAdapter = {
  /** OpenAI speaks Responses; an OpenAI-compatible server only when its config says so. */
  speaks: (protocol, provider: ProviderRuntime) => protocol === 'openai-responses' && (provider.type === 'openai' || provider.responses === true),

  buildRequest(req: NativeRequest, target: Target, _ctx: RequestContext) {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...target.provider.headers };
    if (target.provider.apiKey) headers.authorization = `Bearer ${target.provider.apiKey}`;
    return { method: 'POST', path: '/responses', headers, body: JSON.stringify({ ...req.body, model: target.upstreamModel }) };
  },

  parseResponse(_req, payload, target, raw): TranslatedResponse {
    const body = (payload && typeof payload === 'object' ? payload : {}) as Json;
    // "model" is a top-level key before output in OpenAI's answers; a quote inside a string is escaped, so the first match is the key
    return { body: { ...body, model: target.servedAs }, usage: usageFromResponses(body.usage), text: rewriteModel(raw, JSON.stringify(target.servedAs)) };
  },

  streamTranslator(_req, target) {
    return new ResponsesNativeStream(target);
  },
};
