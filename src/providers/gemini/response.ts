/**
 * Gemini GenerateContentResponse → OpenAI chat.completion / text_completion, plus the
 * pieces the stream translator shares: the finishReason table, usage, parts and errors.
 */
import type { ClientError, Operation, RequestContext, Target, TranslatedResponse, Usage } from '../types.js';
import { encodeToolCallId, tagFor } from './ids.js';

type Json = Record<string, unknown>;

/** One table for every Gemini finishReason (https://ai.google.dev/api/generate-content#FinishReason). */
const FINISH_REASONS: Record<string, string> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  LANGUAGE: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  IMAGE_PROHIBITED_CONTENT: 'content_filter',
  OTHER: 'stop',
  MALFORMED_FUNCTION_CALL: 'stop',
  UNEXPECTED_TOOL_CALL: 'stop',
  FINISH_REASON_UNSPECIFIED: 'stop',
};

/** A candidate that called functions finished to call them, whatever Gemini says (it says STOP). */
export function finishReasonFor(reason: unknown, calledTools: boolean): string {
  const mapped = typeof reason === 'string' ? (FINISH_REASONS[reason] ?? 'stop') : 'stop';
  return calledTools && mapped === 'stop' ? 'tool_calls' : mapped;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Thinking tokens are billed as output, so they count as completion tokens. */
export function usageFromGemini(u: unknown): Usage | null {
  if (!u || typeof u !== 'object') return null;
  const o = u as Json;
  const usage: Usage = {
    promptTokens: num(o.promptTokenCount) + num(o.toolUsePromptTokenCount),
    completionTokens: num(o.candidatesTokenCount) + num(o.thoughtsTokenCount),
    cachedTokens: num(o.cachedContentTokenCount),
  };
  if (num(o.thoughtsTokenCount) > 0) usage.reasoningTokens = num(o.thoughtsTokenCount);
  return usage;
}

export function openAIUsage(u: Usage, raw?: unknown): Json {
  const thoughts = raw && typeof raw === 'object' ? num((raw as Json).thoughtsTokenCount) : 0;
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens },
    completion_tokens_details: { reasoning_tokens: thoughts },
  };
}

export interface ToolCallOut {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** Splits a candidate's parts into visible text, thought summaries (reasoning_content) and OpenAI tool calls. */
export function readParts(parts: unknown, tag: string, nextCall: () => number): { text: string; reasoning: string; toolCalls: ToolCallOut[] } {
  let text = '';
  let reasoning = '';
  const toolCalls: ToolCallOut[] = [];
  for (const p of Array.isArray(parts) ? (parts as Json[]) : []) {
    if (p.thought === true) {
      if (typeof p.text === 'string') reasoning += p.text;
      continue;
    }
    if (typeof p.text === 'string') text += p.text;
    const fc = p.functionCall as Json | undefined;
    if (fc && typeof fc === 'object') {
      toolCalls.push({
        id: encodeToolCallId(tag, nextCall(), fc.id, p.thoughtSignature),
        type: 'function',
        function: { name: String(fc.name ?? ''), arguments: JSON.stringify(fc.args ?? {}) },
      });
    }
  }
  return { text, reasoning, toolCalls };
}

export function parseGeminiResponse(op: Operation, payload: unknown, target: Target, ctx: RequestContext): TranslatedResponse {
  const res = (payload && typeof payload === 'object' ? payload : {}) as Json;
  const tag = tagFor(ctx.requestId);
  let n = 0;
  const nextCall = (): number => n++;
  const candidates = (Array.isArray(res.candidates) ? res.candidates : []) as Json[];
  const blocked = candidates.length === 0 && res.promptFeedback != null;
  const choices = candidates.map((c, i) => {
    const { text, reasoning, toolCalls } = readParts((c.content as Json | undefined)?.parts, tag, nextCall);
    const index = typeof c.index === 'number' ? c.index : i;
    const finish = finishReasonFor(c.finishReason, toolCalls.length > 0);
    if (op === 'completions') return { index, text, logprobs: null, finish_reason: finish };
    const message: Json = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text, refusal: null };
    if (reasoning !== '') message.reasoning_content = reasoning;
    if (toolCalls.length > 0) message.tool_calls = toolCalls;
    return { index, message, logprobs: null, finish_reason: finish };
  });
  // A blocked prompt comes back with promptFeedback and no candidates.
  if (blocked) {
    choices.push(
      op === 'completions'
        ? { index: 0, text: '', logprobs: null, finish_reason: 'content_filter' }
        : { index: 0, message: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: 'content_filter' },
    );
  }
  const usage = usageFromGemini(res.usageMetadata);
  const body: Json = {
    id: typeof res.responseId === 'string' ? res.responseId : `gen-${ctx.requestId}`,
    object: op === 'completions' ? 'text_completion' : 'chat.completion',
    created: ctx.created,
    model: target.servedAs,
    choices,
  };
  if (usage) body.usage = openAIUsage(usage, res.usageMetadata);
  return { body, usage };
}

/** google.rpc status names → OpenAI error `type`. */
const ERROR_TYPES: Record<string, string> = {
  INVALID_ARGUMENT: 'invalid_request_error',
  FAILED_PRECONDITION: 'invalid_request_error',
  OUT_OF_RANGE: 'invalid_request_error',
  NOT_FOUND: 'invalid_request_error',
  UNAUTHENTICATED: 'authentication_error',
  PERMISSION_DENIED: 'permission_error',
  RESOURCE_EXHAUSTED: 'rate_limit_error',
  INTERNAL: 'api_error',
  UNAVAILABLE: 'api_error',
  DEADLINE_EXCEEDED: 'api_error',
};

/** Gemini errors are `{error: {code, message, status}}`, sometimes wrapped in an array. */
export function geminiErrorEnvelope(err: unknown, fallback: string): Json {
  const outer = Array.isArray(err) ? err[0] : err;
  const e = (outer && typeof outer === 'object' && 'error' in outer ? (outer as Json).error : outer) as Json | undefined;
  const status = typeof e?.status === 'string' ? e.status : 'UNKNOWN';
  return {
    error: {
      message: typeof e?.message === 'string' && e.message !== '' ? e.message : fallback,
      type: ERROR_TYPES[status] ?? 'api_error',
      code: status.toLowerCase(),
      param: null,
    },
  };
}

export function geminiClientError(status: number, bodyText: string): ClientError {
  let parsed: unknown = { error: { message: bodyText.slice(0, 500), status: status === 404 ? 'NOT_FOUND' : 'INVALID_ARGUMENT' } };
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    /* not JSON: wrap the text */
  }
  return { status, body: JSON.stringify(geminiErrorEnvelope(parsed, `provider answered ${status}`)) };
}
