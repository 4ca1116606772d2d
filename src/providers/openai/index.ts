/**
 * OpenAI and every OpenAI-compatible server (Ollama, vLLM, Groq, DeepSeek…): the body
 * passes through unchanged except the model id and, for streams, a request for the
 * usage chunk. Responses only get the provider-prefixed model.
 */
import type { ProviderType } from '../../config/schema.js';
import type {
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
import type { SseEvent } from '../../upstream/sse.js';

const PATHS: Record<Operation, string> = {
  chat: '/chat/completions',
  completions: '/completions',
  embeddings: '/embeddings',
};

const MODEL_FIELD = /"model"\s*:\s*"(?:[^"\\]|\\.)*"/;

export function usageFromOpenAI(u: unknown): Usage | null {
  if (!u || typeof u !== 'object') return null;
  const o = u as Record<string, unknown>;
  const prompt = Number(o.prompt_tokens ?? 0);
  const details = o.prompt_tokens_details as Record<string, unknown> | undefined;
  return {
    promptTokens: prompt,
    completionTokens: Number(o.completion_tokens ?? 0),
    cachedTokens: Number(details?.cached_tokens ?? 0),
  };
}

/** Sets `model` in an already-serialised JSON object without re-serialising it. */
export function rewriteModel(json: string, model: string): string {
  const replacement = `"model":${JSON.stringify(model)}`;
  return MODEL_FIELD.test(json) ? json.replace(MODEL_FIELD, () => replacement) : json;
}

function textLength(choice: Record<string, unknown>): number {
  const delta = (choice.delta ?? choice.message) as Record<string, unknown> | undefined;
  let n = 0;
  if (typeof choice.text === 'string') n += choice.text.length;
  if (delta) {
    if (typeof delta.content === 'string') n += delta.content.length;
    if (typeof delta.reasoning_content === 'string') n += delta.reasoning_content.length;
    const calls = delta.tool_calls as { function?: { name?: string; arguments?: string } }[] | undefined;
    if (Array.isArray(calls)) {
      for (const c of calls) n += (c.function?.name?.length ?? 0) + (c.function?.arguments?.length ?? 0);
    }
  }
  return n;
}

class OpenAIStreamTranslator implements StreamTranslator {
  private reported: Usage | null = null;
  private chars = 0;
  private failure: { message: string; type?: string } | null = null;

  constructor(
    private readonly target: Target,
    private readonly ctx: RequestContext,
  ) {}

  push(event: SseEvent): string[] {
    const data = event.data;
    if (data === '[DONE]' || data === '') return [];
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
    const choices = chunk.choices as Record<string, unknown>[] | undefined;
    if (Array.isArray(choices)) for (const c of choices) this.chars += textLength(c);
    if (chunk.usage) {
      this.reported = usageFromOpenAI(chunk.usage);
      // The usage-only chunk was our idea, not the client's: keep it to ourselves.
      if (!this.ctx.clientWantsUsage && (!choices || choices.length === 0)) return [];
    }
    return [rewriteModel(data, this.target.servedAs)];
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

  error(): { message: string; type?: string } | null {
    return this.failure;
  }
}

export function createOpenAIAdapter(type: 'openai' | 'openai-compatible'): ProviderAdapter {
  return {
    type: type satisfies ProviderType,
    defaultBaseUrl: type === 'openai' ? 'https://api.openai.com/v1' : undefined,
    supports: ['chat', 'completions', 'embeddings'],

    buildRequest(op: Operation, body: OpenAIBody, target: Target, ctx: RequestContext): UpstreamCall {
      const out: Record<string, unknown> = { ...body, model: target.upstreamModel };
      if (ctx.stream && op !== 'embeddings') {
        const so = (body.stream_options as Record<string, unknown> | undefined) ?? {};
        out.stream_options = { ...so, include_usage: true };
      }
      const headers: Record<string, string> = { 'content-type': 'application/json', ...target.provider.headers };
      if (target.provider.apiKey) headers.authorization = `Bearer ${target.provider.apiKey}`;
      return { method: 'POST', path: PATHS[op], headers, body: JSON.stringify(out) };
    },

    parseResponse(_op, payload, target): TranslatedResponse {
      const body = (payload && typeof payload === 'object' ? payload : {}) as Record<string, unknown>;
      body.model = target.servedAs;
      return { body, usage: usageFromOpenAI(body.usage) };
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
