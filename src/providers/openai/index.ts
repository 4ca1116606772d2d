/**
 * OpenAI and every OpenAI-compatible server (Ollama, vLLM, Groq, DeepSeek…): the body
 * passes through unchanged except the model id and, for streams, a request for the
 * usage chunk. Responses only get the provider-prefixed model.
 */
import type { ProviderType } from '../../config/schema.js';
import type {
  ScannedResponse,
  ClientError,
  OpenAIBody,
  Operation,
  ProviderAdapter,
  RequestContext,
  StreamTranslator,
  Target,
  TranslatedResponse,
  UpstreamCall,
  Usage,
} from '../types.js';
import { unreadableEvent, type SseEvent } from '../../upstream/sse.js';
import { isTranslated, withoutAnthropicFields } from '../openai-shape.js';
import { editedText } from '../request-text.js';
import { endOfString, findKey, generatedChars, hasError, hasUsage, rewriteModel, scanAnswer, scanUsageChunk } from './json-scan.js';
import { responsesNative } from './responses-native.js';
import { NO_FRAMES } from '../native-stream.js';

export { generatedChars, rewriteModel } from './json-scan.js';

/** OpenAI model ids that take reasoning_effort (o1, o3, o4-mini, gpt-5…). */
const REASONING_MODEL = /^(o\d|gpt-5)/;

const PATHS: Record<Operation, string> = {
  chat: '/chat/completions',
  completions: '/completions',
  embeddings: '/embeddings',
};


export function usageFromOpenAI(u: unknown): Usage | null {
  if (!u || typeof u !== 'object') return null;
  const o = u as Record<string, unknown>;
  const prompt = Number(o.prompt_tokens ?? 0);
  const details = o.prompt_tokens_details as Record<string, unknown> | undefined;
  const completion = o.completion_tokens_details as Record<string, unknown> | undefined;
  const usage: Usage = {
    promptTokens: prompt,
    completionTokens: Number(o.completion_tokens ?? 0),
    cachedTokens: Number(details?.cached_tokens ?? 0),
  };
  // cache_write_tokens is the middle representation's field for cache writes (Anthropic's cache_creation_input_tokens)
  if (typeof details?.cache_write_tokens === 'number') usage.cacheWriteTokens = details.cache_write_tokens;
  if (typeof completion?.reasoning_tokens === 'number') usage.reasoningTokens = completion.reasoning_tokens;
  return usage;
}

/**
 * Chunks pass through as text: the model is rewritten in place, and a chunk is parsed
 * only when it carries usage or an error (the profile showed a parse per chunk).
 */
class OpenAIStreamTranslator implements StreamTranslator {
  private reported: Usage | null = null;
  /**
   * Generated characters, for estimating usage when the provider reports none: the
   * first few chunks with text are scanned, the rest are counted as their size beyond
   * the envelope (the JSON around the text) those first chunks had.
   */
  private chars = 0;
  private sampled = 0;
  private envelope = Number.POSITIVE_INFINITY;
  private failure: { message: string; type?: string } | null = null;
  private sawDone = false;
  private readonly quotedModel: string;

  constructor(
    target: Target,
    private readonly ctx: RequestContext,
  ) {
    this.quotedModel = JSON.stringify(target.servedAs);
  }

  push(event: SseEvent): string[] {
    const data = event.data;
    if (data === '[DONE]') {
      this.sawDone = true;
      return [];
    }
    if (data === '' || this.failure) return [];
    const message = unreadableEvent(data);
    if (message) {
      // the provider failed, and the client hears so (not a garbled chunk)
      this.failure = { message, type: 'upstream_error' };
      return [JSON.stringify({ error: { message, type: 'upstream_error', code: 'upstream_error', param: null } })];
    }
    const error = hasError(data);
    if (error || hasUsage(data)) {
      // A usage chunk (one per stream) is read by a scan where it can be; an error, or what the scan cannot read, by a parse.
      let read: { usage: unknown; noChoices: boolean } | undefined = error ? undefined : scanUsageChunk(data);
      if (read === undefined) {
        let chunk: Record<string, unknown>;
        try {
          chunk = JSON.parse(data) as Record<string, unknown>;
        } catch {
          return [data];
        }
        if (chunk.error) {
          const e = chunk.error as { message?: string; type?: string };
          this.failure = { message: String(e.message ?? 'provider error'), type: e.type };
          return [data];
        }
        const choices = chunk.choices as unknown[] | undefined;
        read = { usage: chunk.usage, noChoices: !choices || choices.length === 0 };
      }
      if (read.usage) {
        this.reported = usageFromOpenAI(read.usage);
        // The usage-only chunk was our idea, not the client's: keep it to ourselves.
        if (!this.ctx.clientWantsUsage && read.noChoices) return [];
      }
    }
    this.count(data, 0, data.length);
    return [rewriteModel(data, this.quotedModel)];
  }

  /**
   * Runs of plain chunks (`data: {…}` lines, one per event, \n line ends) pass whole, the
   * model renamed in place: the same text push() makes of them, without an event object,
   * a `data:` wrapping and a scan for usage and errors per chunk. It stops before the first
   * chunk push() must look at: one with a usage object or an error key (found once for the
   * whole run), [DONE], another field, a model it cannot read in place.
   */
  pushFrames(text: string): { frames: string; used: number; events: number } {
    if (this.failure) return NO_FRAMES;
    // Both searched for without the opening quote (see findKey): the whole run is scanned.
    let stop = text.length;
    for (let hit = text.indexOf('rror"'); hit >= 0; hit = text.indexOf('rror"', hit + 5)) {
      if (text.startsWith('"e', hit - 2)) {
        stop = hit - 2;
        break;
      }
    }
    for (let hit = text.indexOf('usage"'); hit >= 0 && hit <= stop; hit = text.indexOf('usage"', hit + 6)) {
      const key = text.charCodeAt(hit - 1) === 34 ? findKey(text, '"usage"', hit - 1) : null;
      // `"usage":null` (OpenAI's on every chunk once usage is asked for) is no usage; a string "usage" is no key
      if (key !== null && key.at === hit - 1 && !text.startsWith('null', key.value)) stop = hit - 1;
    }
    const q = this.quotedModel;
    let frames = '';
    let copied = 0;
    let at = 0;
    let events = 0;
    while (text.startsWith('data: {', at)) {
      const nl = text.indexOf('\n', at);
      if (nl < 0 || nl > stop || text.charCodeAt(nl + 1) !== 10 || text.charCodeAt(nl - 1) !== 125) break;
      // the chunk's first model key, as rewriteModel finds it (a chunk without one passes as it is)
      const key = findKey(text, '"model"', at);
      if (key !== null && key.at < nl) {
        const end = endOfString(text, key.value);
        if (end < 0 || end > nl) break;
        if (end - key.value !== q.length || !text.startsWith(q, key.value)) {
          frames += text.slice(copied, key.at) + '"model":' + q;
          copied = end;
        }
      }
      this.count(text, at + 6, nl);
      events++;
      at = nl + 2;
    }
    if (events === 0) return NO_FRAMES;
    return { frames: frames + text.slice(copied, at), used: at, events };
  }

  /**
   * Generated characters in the chunk text[from, to): the first few chunks with text are
   * scanned, the rest counted as their size beyond the envelope those first ones had.
   */
  private count(text: string, from: number, to: number): void {
    if (this.sampled < 4) {
      const n = generatedChars(from === 0 && to === text.length ? text : text.slice(from, to));
      if (n > 0) {
        this.sampled++;
        this.envelope = Math.min(this.envelope, to - from - n);
      }
      this.chars += n;
    } else if (to - from > this.envelope) {
      this.chars += to - from - this.envelope;
    }
  }

  end(): string[] {
    return [];
  }

  usage(): Usage | null {
    return this.reported;
  }

  outputChars(): number {
    return this.chars;
  }

  complete(): boolean {
    return this.sawDone;
  }


  error(): { message: string; type?: string } | null {
    return this.failure;
  }
}

export function createOpenAIAdapter(type: 'openai' | 'openai-compatible'): ProviderAdapter {
  return {
    type: type satisfies ProviderType,
    defaultBaseUrl: type === 'openai' ? 'https://api.openai.com/v1' : undefined,
    supports: ['chat', 'completions', 'embeddings'],
    native: responsesNative,

    buildRequest(op: Operation, body: OpenAIBody, target: Target, ctx: RequestContext): UpstreamCall {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...target.provider.headers };
      if (target.provider.apiKey) headers.authorization = `Bearer ${target.provider.apiKey}`;
      const wantsUsage = ctx.stream && op !== 'embeddings' && target.provider.streamUsage;
      const so = body.stream_options as Record<string, unknown> | undefined;
      // A chat client's own text, with only the model (and stream_options) edited: no second serialisation.
      if (!isTranslated(body) && (!wantsUsage || so === undefined || so?.include_usage === true)) {
        const edits: Record<string, string> = { model: JSON.stringify(target.upstreamModel) };
        if (wantsUsage && so === undefined) edits.stream_options = '{"include_usage":true}';
        const text = editedText(body, edits);
        if (text !== undefined) return { method: 'POST', path: PATHS[op], headers, body: text };
      }
      // A body translated from another protocol loses what only Anthropic reads; a chat client's own body passes as sent.
      const out: Record<string, unknown> = isTranslated(body) ? withoutAnthropicFields({ ...body, model: target.upstreamModel }, type === 'openai') : { ...body, model: target.upstreamModel };
      // A thinking budget translated to reasoning_effort goes only to OpenAI's reasoning models; the others refuse the field.
      if (type === 'openai' && isTranslated(body) && !REASONING_MODEL.test(target.upstreamModel)) delete out.reasoning_effort;
      if (wantsUsage) out.stream_options = { ...so, include_usage: true };
      return { method: 'POST', path: PATHS[op], headers, body: JSON.stringify(out) };
    },

    parseResponse(_op, payload, target, _ctx, raw): TranslatedResponse {
      const body = (payload && typeof payload === 'object' ? payload : {}) as Record<string, unknown>;
      body.model = target.servedAs;
      // The provider's own text with the model swapped: no second serialisation (embeddings are large).
      // An answer without a model key is serialised again, with the model ("model" as a value is no key).
      const text = raw !== undefined && raw.charCodeAt(0) === 123 && findKey(raw, '"model"') !== null ? rewriteModel(raw, JSON.stringify(target.servedAs)) : undefined;
      return { body, usage: usageFromOpenAI(body.usage), text };
    },

    scanResponse(_op, raw, target): ScannedResponse | undefined {
      const answer = scanAnswer(raw, target.servedAs);
      return answer && { text: answer.text, usage: usageFromOpenAI(answer.usage) };
    },

    streamTranslator(_op, target, ctx) {
      return new OpenAIStreamTranslator(target, ctx);
    },

    clientError(status: number, bodyText: string): ClientError {
      try {
        const parsed = JSON.parse(bodyText) as { error?: unknown };
        if (parsed && typeof parsed === 'object' && parsed.error) return { status, body: bodyText };
      } catch {
        /* not JSON: wrap it */
      }
      return {
        status,
        body: JSON.stringify({
          error: { message: bodyText.slice(0, 500) || `provider answered ${status}`, type: 'invalid_request_error', code: null, param: null },
        }),
      };
    },
  };
}
