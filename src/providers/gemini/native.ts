/**
 * Gemini clients in front of a Gemini provider: the client's own request is forwarded,
 * nothing translated. The body goes as sent (the model is in the path, where the
 * provider's upstream id replaces the client's name; batchEmbedContents also names it
 * per request), streams are relayed frame by frame, and the usage comes from usageMetadata.
 */
import type { SseEvent } from '../../upstream/sse.js';
import { NativeStreamMeter, parseObject } from '../native-stream.js';
import { isObject, type Json } from '../openai-shape.js';
import type { NativeAdapter, NativeRequest, RequestContext, Target, TranslatedResponse, Usage } from '../types.js';
import { usageFromGemini } from './response.js';
import { rawText } from '../request-text.js';

/** The Gemini methods a client may send natively; the rest (countTokens…) are answered by the gateway. */
const FORWARDED = new Set(['generateContent', 'streamGenerateContent', 'embedContent', 'batchEmbedContents']);

function path(model: string, method: string): string {
  const id = model.replace(/^models\//, '');
  // A stream always asks for SSE: the relay reads events; the route frames them as the client asked.
  return `/v1beta/models/${encodeURIComponent(id)}:${method}${method === 'streamGenerateContent' ? '?alt=sse' : ''}`;
}

/** batchEmbedContents repeats the model in every request, and the API wants it to match the path. */
function withModel(body: Json, action: string, upstreamModel: string): Json {
  if (action !== 'batchEmbedContents' || !Array.isArray(body.requests)) return body;
  const model = `models/${upstreamModel.replace(/^models\//, '')}`;
  return { ...body, requests: body.requests.map((r) => (isObject(r) ? { ...r, model } : r)) };
}

/** Visible output characters in a response's candidates, to estimate usage if none is reported. */
function outputChars(res: Json): number {
  let n = 0;
  for (const c of Array.isArray(res.candidates) ? res.candidates : []) {
    const parts = isObject(c) && isObject(c.content) && Array.isArray(c.content.parts) ? c.content.parts : [];
    for (const p of parts) {
      if (!isObject(p)) continue;
      if (typeof p.text === 'string') n += p.text.length;
      if (isObject(p.functionCall)) n += JSON.stringify(p.functionCall).length;
    }
  }
  return n;
}

/** Relays Gemini's SSE events as they came, reading usage and the end on the way. */
class GeminiPassthrough extends NativeStreamMeter {
  private rawUsage: unknown = null;
  /** candidate index → finished */
  private readonly candidates = new Map<number, boolean>();

  protected observe(event: SseEvent): { frame: string; opening: boolean } | null {
    if (event.data === '') return null;
    const res = parseObject(event.data);
    if (res) this.read(res);
    return { frame: `data: ${event.data}\r\n\r\n`, opening: false };
  }

  private read(res: Json): void {
    if (isObject(res.error)) {
      const message = typeof res.error.message === 'string' ? res.error.message : 'provider error in stream';
      this.failure = { message, type: typeof res.error.status === 'string' ? res.error.status : undefined };
      return;
    }
    if (isObject(res.usageMetadata)) this.rawUsage = res.usageMetadata;
    this.chars += outputChars(res);
    (Array.isArray(res.candidates) ? res.candidates : []).forEach((c, i) => {
      if (!isObject(c)) return;
      const index = typeof c.index === 'number' ? c.index : i;
      this.candidates.set(index, this.candidates.get(index) === true || typeof c.finishReason === 'string');
    });
  }

  usage(): Usage | null {
    return usageFromGemini(this.rawUsage);
  }

  /** A break the gateway saw, in Gemini's error envelope (what its SDK raises mid-stream). */
  errorFrame(error: { message: string }): string {
    return `data: ${JSON.stringify({ error: { code: 502, message: error.message, status: 'UNAVAILABLE' } })}\n\n`;
  }

  /** Every candidate has its finishReason (Gemini sends the usage with it): the stream is complete. */
  override complete(): boolean {
    return this.candidates.size > 0 && [...this.candidates.values()].every(Boolean);
  }
}

export function geminiNative(headers: (target: Target) => Record<string, string>): NativeAdapter {
  return {
    speaks: (protocol, provider) => protocol === 'gemini' && provider.type === 'gemini',

    buildRequest(req: NativeRequest, target: Target, _ctx: RequestContext) {
      const action = req.action && FORWARDED.has(req.action) ? req.action : 'generateContent';
      const body = withModel(req.body, action, target.upstreamModel);
      // The model is in the path: an unchanged body goes as the client's own text.
      const text = body === req.body ? rawText(body) : undefined;
      return { method: 'POST' as const, path: path(target.upstreamModel, action), headers: headers(target), body: text ?? JSON.stringify(body) };
    },

    parseResponse(_req: NativeRequest, payload: unknown, _target: Target, raw: string): TranslatedResponse {
      const res = isObject(payload) ? payload : {};
      // Embeddings report no tokens: usage null tells the pipeline to record its estimate.
      return { body: res, text: raw, usage: usageFromGemini(res.usageMetadata) };
    },

    streamTranslator: () => new GeminiPassthrough(),
  };
}
