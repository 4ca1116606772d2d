/**
 * Responses → Responses: a /v1/responses request served by an `openai` provider (or an
 * `openai-compatible` one configured with `responses: true`) goes to the provider's own
 * /responses with only `model` swapped, so built-in tools, reasoning items, encrypted
 * content and whatever OpenAI ships next survive. The answer comes back as sent, `model`
 * set to the served name; it is read only to meter usage (from response.completed in
 * streams).
 */
import type { SseEvent } from '../../upstream/sse.js';
import type { NativeAdapter, NativeRequest, ProviderRuntime, RequestContext, ScannedResponse, Target, TranslatedResponse, Usage } from '../types.js';
import { frameOf, NativeStreamMeter, parseObject, typeOf, type Json } from '../native-stream.js';
import { rewriteModel, scanAnswer, scanUsage } from './json-scan.js';
import { editedText } from '../request-text.js';


const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** Responses usage → the gateway's Usage. */
export function usageFromResponses(u: unknown): Usage | null {
  if (!u || typeof u !== 'object') return null;
  const o = u as Json;
  const input = (o.input_tokens_details ?? {}) as Json;
  const output = (o.output_tokens_details ?? {}) as Json;
  return { promptTokens: num(o.input_tokens), completionTokens: num(o.output_tokens), cachedTokens: num(input.cached_tokens), reasoningTokens: num(output.reasoning_tokens) };
}

/** Events that carry the whole Response, whose model is rewritten and whose usage is final. */
const RESPONSE_EVENTS = new Set(['response.created', 'response.in_progress', 'response.queued', 'response.completed', 'response.incomplete', 'response.failed']);
const FINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);
const OPENING_EVENTS = new Set(['response.created', 'response.in_progress', 'response.queued']);

/** Passes frames through; response.created / in_progress / queued open the stream (held until content comes). */
export class ResponsesNativeStream extends NativeStreamMeter {
  private readonly quotedModel: string;
  private reported: Usage | null = null;

  constructor(target: Target) {
    super();
    this.quotedModel = JSON.stringify(target.servedAs);
  }

  protected observe(ev: SseEvent): { frame: string; opening: boolean } | null {
    if (ev.data === '' || ev.data === '[DONE]') return null;
    const type = typeOf(ev);
    const opening = type !== undefined && OPENING_EVENTS.has(type);
    if (type !== undefined && RESPONSE_EVENTS.has(type)) {
      if (FINAL_EVENTS.has(type)) {
        this.finished = true;
        // The whole answer is in this event: its usage is read by a scan (the last usage key, as for a
        // non-streamed answer, scanAnswer) where it can be; a failure, or what the scan cannot read, is parsed.
        const scanned = type === 'response.failed' ? undefined : scanUsage(ev.data);
        const response = scanned === undefined ? (parseObject(ev.data)?.response as Json | undefined) : undefined;
        this.reported = usageFromResponses(scanned ?? response?.usage) ?? this.reported;
        if (type === 'response.failed') {
          const e = (response?.error ?? {}) as Json;
          this.failure = { message: String(e.message ?? 'the provider failed the response'), type: typeof e.code === 'string' ? e.code : undefined };
        }
      }
      return { frame: frameOf(ev, rewriteModel(ev.data, this.quotedModel)), opening };
    }
    if (type === 'error') {
      const e = parseObject(ev.data) ?? {};
      const inner = (e.error ?? e) as Json;
      this.failure = { message: String(inner.message ?? 'provider error in stream'), type: typeof inner.code === 'string' ? inner.code : undefined };
    } else if (type !== undefined) {
      const envelope = this.countedOnly(type);
      if (envelope !== undefined) this.chars += Math.max(0, ev.data.length - envelope);
    }
    return { frame: frameOf(ev), opening };
  }

  /** Deltas (`….delta`) carry generated text in an envelope of ~100 characters. */
  protected override countedOnly(type: string): number | undefined {
    return type.endsWith('.delta') ? 100 : undefined;
  }

  usage(): Usage | null {
    return this.reported;
  }

  errorFrame(error: { message: string }): string {
    return `event: error\ndata: ${JSON.stringify({ type: 'error', code: 'upstream_error', message: error.message, param: null })}\n\n`;
  }
}

export const responsesNative: NativeAdapter = {
  /** OpenAI speaks Responses; an OpenAI-compatible server only when its config says so. */
  speaks: (protocol, provider: ProviderRuntime) => protocol === 'openai-responses' && (provider.type === 'openai' || provider.responses === true),

  buildRequest(req: NativeRequest, target: Target, _ctx: RequestContext) {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...target.provider.headers };
    if (target.provider.apiKey) headers.authorization = `Bearer ${target.provider.apiKey}`;
    // The client's own text with the model renamed (not when earlier turns were added to it), or else the body serialised.
    const body = editedText(req.body, { model: JSON.stringify(target.upstreamModel) }) ?? JSON.stringify({ ...req.body, model: target.upstreamModel });
    return { method: 'POST', path: '/responses', headers, body };
  },

  parseResponse(_req, payload, target, raw): TranslatedResponse {
    const body = (payload && typeof payload === 'object' ? payload : {}) as Json;
    body.model = target.servedAs; // parsed for this request alone: set in place
    // "model" is a top-level key before output in OpenAI's answers; a quote inside a string is escaped, so the first match is the key
    return { body, usage: usageFromResponses(body.usage), text: rewriteModel(raw, JSON.stringify(target.servedAs)) };
  },

  scanResponse(_req, raw, target): ScannedResponse | undefined {
    const answer = scanAnswer(raw, target.servedAs);
    return answer && { text: answer.text, usage: usageFromResponses(answer.usage) };
  },

  streamTranslator(_req, target) {
    return new ResponsesNativeStream(target);
  },
};
