/**
 * The pipeline's OpenAI answers → Gemini's shapes for Gemini clients: a chat.completion
 * → GenerateContentResponse (https://ai.google.dev/api/generate-content#generatecontentresponse),
 * the gateway's OpenAI error envelope → google.rpc's {"error": {code, message, status}}.
 * The reverse of the gemini adapter's response.ts; streams are in stream.ts.
 */
import { isObject, type Json } from '../../providers/openai-shape.js';
import type { Usage } from '../../providers/types.js';
import { decodeToolCallId } from '../../providers/gemini/ids.js';

/** OpenAI finish_reason → Gemini finishReason (a call to tools is a normal STOP in Gemini). */
const FINISH_REASONS: Record<string, string> = {
  stop: 'STOP',
  tool_calls: 'STOP',
  function_call: 'STOP',
  length: 'MAX_TOKENS',
  content_filter: 'SAFETY',
};

export const geminiFinishReason = (reason: unknown): string => (typeof reason === 'string' ? (FINISH_REASONS[reason] ?? 'OTHER') : 'STOP');

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * OpenAI usage → usageMetadata. Gemini counts thoughts apart from candidates, OpenAI
 * counts reasoning inside completion tokens: candidatesTokenCount is the rest.
 */
export function usageMetadataFrom(usage: unknown, estimate?: Usage): Json {
  const u = isObject(usage) ? usage : undefined;
  const prompt = u ? num(u.prompt_tokens) : (estimate?.promptTokens ?? 0);
  const completion = u ? num(u.completion_tokens) : (estimate?.completionTokens ?? 0);
  const cached = u && isObject(u.prompt_tokens_details) ? num(u.prompt_tokens_details.cached_tokens) : (estimate?.cachedTokens ?? 0);
  const thoughts = u && isObject(u.completion_tokens_details) ? num(u.completion_tokens_details.reasoning_tokens) : 0;
  const out: Json = { promptTokenCount: prompt, candidatesTokenCount: Math.max(0, completion - thoughts), totalTokenCount: prompt + completion };
  if (cached > 0) out.cachedContentTokenCount = cached;
  if (thoughts > 0) out.thoughtsTokenCount = thoughts;
  return out;
}

/**
 * An OpenAI tool call → a functionCall part. The signature is on extra_content; a Gemini
 * provider translated by this gateway may have packed it (and Gemini's own id) into the id.
 */
export function functionCallPart(call: Json): Json {
  const fn = isObject(call.function) ? call.function : {};
  let args: unknown = {};
  if (typeof fn.arguments === 'string' && fn.arguments !== '') {
    try {
      args = JSON.parse(fn.arguments);
    } catch {
      args = {}; // a provider's malformed arguments still reach the client, empty
    }
  } else if (isObject(fn.arguments)) args = fn.arguments;
  const rawId = typeof call.id === 'string' ? call.id : '';
  const packed = decodeToolCallId(rawId);
  const extra = isObject(call.extra_content) && isObject(call.extra_content.google) ? call.extra_content.google : {};
  const signature = typeof extra.thought_signature === 'string' ? extra.thought_signature : packed.signature;
  const id = packed.signature ? packed.geminiId : rawId || undefined;
  const part: Json = { functionCall: { ...(id ? { id } : {}), name: String(fn.name ?? ''), args } };
  if (signature) part.thoughtSignature = signature;
  return part;
}

/** A chat message (or the parts of one collected from a stream) → Gemini parts, thoughts first. */
export function partsOf(msg: Json, includeThoughts: boolean): Json[] {
  const parts: Json[] = [];
  if (includeThoughts && typeof msg.reasoning_content === 'string' && msg.reasoning_content !== '') {
    parts.push({ text: msg.reasoning_content, thought: true });
  }
  const text = typeof msg.content === 'string' ? msg.content : typeof msg.refusal === 'string' ? msg.refusal : '';
  const extra = isObject(msg.extra_content) && isObject(msg.extra_content.google) ? msg.extra_content.google : {};
  if (text !== '') parts.push({ text, ...(typeof extra.thought_signature === 'string' ? { thoughtSignature: extra.thought_signature } : {}) });
  for (const call of Array.isArray(msg.tool_calls) ? msg.tool_calls : []) if (isObject(call)) parts.push(functionCallPart(call));
  return parts;
}

export interface GeminiAnswerOptions {
  includeThoughts: boolean;
  /** the response id: the gateway's request id, so it can be found in the usage records */
  responseId: string;
  /** used when the provider reported no usage */
  estimate: Usage;
}

/** The pipeline's chat.completion → a GenerateContentResponse. */
export function toGenerateContentResponse(completion: unknown, opts: GeminiAnswerOptions): Json {
  const c = isObject(completion) ? completion : {};
  const choices = (Array.isArray(c.choices) ? c.choices : []).filter(isObject);
  const candidates = choices.map((choice, i) => {
    const msg = isObject(choice.message) ? choice.message : {};
    const parts = partsOf(msg, opts.includeThoughts);
    return {
      content: { role: 'model', parts: parts.length > 0 ? parts : [{ text: '' }] },
      finishReason: geminiFinishReason(choice.finish_reason),
      index: typeof choice.index === 'number' ? choice.index : i,
    };
  });
  return {
    candidates,
    usageMetadata: usageMetadataFrom(c.usage, opts.estimate),
    modelVersion: typeof c.model === 'string' ? c.model : undefined,
    responseId: opts.responseId,
  };
}

/** HTTP status → google.rpc status name (https://cloud.google.com/apis/design/errors#handling_errors). */
export function rpcStatusFor(status: number): string {
  if (status === 400 || status === 413) return 'INVALID_ARGUMENT';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 402 || status === 429) return 'RESOURCE_EXHAUSTED';
  if (status === 499) return 'CANCELLED';
  if (status === 504) return 'DEADLINE_EXCEEDED';
  if (status === 502 || status === 503) return 'UNAVAILABLE';
  return status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
}

/** The HTTP status a gateway error code stands for, where a stream's error frame carries none. */
export function statusForCode(code: unknown): number {
  if (code === 'upstream_error' || code === 'upstream_unavailable') return 502;
  if (code === 'rate_limited') return 429;
  if (code === 'invalid_request_error') return 400;
  return 500;
}

/** A Gemini error body; the gateway's own code (e.g. rate_limited) goes in details, as Google puts ErrorInfo there. */
export function geminiError(status: number, message: string, reason?: unknown): Json {
  const error: Json = { code: status, message, status: rpcStatusFor(status) };
  if (typeof reason === 'string' && reason !== '') {
    error.details = [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: reason.toUpperCase(), domain: 'tokenhub' }];
  }
  return { error };
}

/** The gateway's OpenAI error envelope (or a provider's) → a Gemini error body; one already in Gemini's shape is kept. */
export function geminiErrorFromOpenAI(status: number, envelope: unknown): Json {
  const e = isObject(envelope) && isObject(envelope.error) ? envelope.error : {};
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : `request failed with status ${status}`;
  return geminiError(status, message, e.code);
}

/** True for a body already in Gemini's error shape (a native provider's 4xx). */
export function isGeminiError(body: unknown): boolean {
  return isObject(body) && isObject(body.error) && typeof body.error.status === 'string' && typeof body.error.code === 'number';
}
