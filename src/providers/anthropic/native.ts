/**
 * Anthropic → Anthropic: a /v1/messages request served by an Anthropic provider is
 * forwarded as the client sent it (thinking, cache_control, system blocks, betas and
 * whatever Anthropic ships next), only `model` swapped for the provider's id and the
 * key for the provider's. The answer comes back as the provider sent it, `model` set
 * to the served name; it is read only to meter usage. Streams keep the provider's SSE
 * frames byte for byte, except the model in message_start.
 */
import type { SseEvent } from '../../upstream/sse.js';
import { rewriteModel } from '../openai/json-scan.js';
import { editedText } from '../request-text.js';
import type { NativeAdapter, NativeRequest, RequestContext, Target, TranslatedResponse, UpstreamCall, Usage } from '../types.js';
import { frameOf, NativeStreamMeter, parseObject, typeOf, type Json } from '../native-stream.js';
import { anthropicHeaders } from './headers.js';
import { anthropicErrorEnvelope } from './response.js';
import { usageFromAnthropic } from './tables.js';


/** Protocol headers the client's request carries to the provider (never its key). */
export const FORWARDED_HEADERS = ['anthropic-version', 'anthropic-beta'] as const;

function nativeHeaders(req: NativeRequest, target: Target): Record<string, string> {
  const headers = anthropicHeaders(target);
  const version = req.headers['anthropic-version'];
  if (version) headers['anthropic-version'] = version;
  const beta = req.headers['anthropic-beta'];
  // Betas the provider config sets and betas the client asks for both apply.
  if (beta) headers['anthropic-beta'] = headers['anthropic-beta'] ? `${headers['anthropic-beta']},${beta}` : beta;
  return headers;
}

/**
 * `"model":` set in the provider's JSON text, when it comes before any content (which
 * could hold the same key); else the answer (its model already set) serialised.
 */
function withModel(raw: string, payload: Json, servedAs: string): string {
  const at = raw.indexOf('"model":');
  const content = raw.indexOf('"content":');
  if (at >= 0 && (content < 0 || at < content)) return rewriteModel(raw, JSON.stringify(servedAs));
  return JSON.stringify(payload);
}

/** A content_block_delta's characters that are not generated text, for an estimate should the provider report no usage. */
const DELTA_ENVELOPE = 70;

/**
 * Passes frames through; parses only message_start, message_delta and error (usage,
 * failures). message_start and pings open the stream (held until content comes).
 */
export class AnthropicNativeStream extends NativeStreamMeter {
  private readonly quotedModel: string;
  private rawUsage: Json = {};
  private sawUsage = false;

  constructor(target: Target) {
    super();
    this.quotedModel = JSON.stringify(target.servedAs);
  }

  protected observe(ev: SseEvent): { frame: string; opening: boolean } | null {
    if (ev.data === '' && ev.event === undefined) return null;
    const type = typeOf(ev);
    switch (type) {
      case 'message_start': {
        const message = parseObject(ev.data)?.message as Json | undefined;
        this.mergeUsage(message?.usage);
        return { frame: frameOf(ev, rewriteModel(ev.data, this.quotedModel)), opening: true };
      }
      case 'ping':
        return { frame: frameOf(ev), opening: true };
      case 'message_delta':
        this.mergeUsage(parseObject(ev.data)?.usage);
        break;
      case 'content_block_delta':
        this.chars += Math.max(0, ev.data.length - DELTA_ENVELOPE);
        break;
      case 'error': {
        const envelope = anthropicErrorEnvelope(parseObject(ev.data)?.error, 'provider error in stream');
        const e = envelope.error as { message: string; type: string };
        this.failure = { message: e.message, type: e.type };
        break;
      }
      case 'message_stop':
        this.finished = true;
        break;
    }
    return { frame: frameOf(ev), opening: false };
  }

  protected override countedOnly(type: string): number | undefined {
    return type === 'content_block_delta' ? DELTA_ENVELOPE : undefined;
  }

  usage(): Usage | null {
    return this.sawUsage ? usageFromAnthropic(this.rawUsage) : null;
  }

  /** A break the gateway saw (the connection, a truncation) as Anthropic's own stream error event. */
  errorFrame(error: { message: string }): string {
    return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'api_error', message: error.message } })}\n\n`;
  }

  private mergeUsage(u: unknown): void {
    if (!u || typeof u !== 'object') return;
    this.sawUsage = true;
    // message_delta's counts are cumulative: later values replace earlier ones.
    for (const [k, v] of Object.entries(u as Json)) if (typeof v === 'number') this.rawUsage[k] = v;
  }
}

/** POST /v1/messages/count_tokens at the provider: the client's body (model swapped), free and exact. */
export function countTokensCall(req: NativeRequest, target: Target): UpstreamCall {
  const { stream: _s, max_tokens: _m, ...body } = req.body;
  return { method: 'POST', path: '/v1/messages/count_tokens', headers: nativeHeaders(req, target), body: JSON.stringify({ ...body, model: target.upstreamModel }) };
}

export const anthropicNative: NativeAdapter = {
  speaks: (protocol) => protocol === 'anthropic-messages',

  buildRequest(req: NativeRequest, target: Target, _ctx: RequestContext) {
    // The client's own text with the model renamed, or else the body serialised.
    const body = editedText(req.body, { model: JSON.stringify(target.upstreamModel) }) ?? JSON.stringify({ ...req.body, model: target.upstreamModel });
    return { method: 'POST', path: '/v1/messages', headers: nativeHeaders(req, target), body };
  },

  parseResponse(_req, payload, target, raw): TranslatedResponse {
    // The provider's answer, parsed for this request alone: its model is set in place.
    const body = (payload && typeof payload === 'object' ? payload : {}) as Json;
    body.model = target.servedAs;
    return { body, usage: usageFromAnthropic(body.usage), text: withModel(raw, body, target.servedAs) };
  },

  streamTranslator(_req, target) {
    return new AnthropicNativeStream(target);
  },
};
