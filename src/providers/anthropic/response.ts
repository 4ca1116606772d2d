/**
 * Anthropic Messages response → OpenAI chat.completion / text_completion, plus the
 * pieces the stream translator shares: the stop-reason table, usage and errors.
 */
import type { ClientError, Operation, RequestContext, Target, TranslatedResponse, Usage } from '../types.js';

/** One table for every Anthropic stop_reason (https://docs.anthropic.com/en/api/handling-stop-reasons). */
const FINISH_REASONS: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export const finishReasonFor = (stopReason: unknown): string =>
  typeof stopReason === 'string' ? (FINISH_REASONS[stopReason] ?? 'stop') : 'stop';

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Anthropic's input_tokens excludes cached tokens; OpenAI's prompt_tokens includes them. */
export function usageFromAnthropic(u: unknown): Usage | null {
  if (!u || typeof u !== 'object') return null;
  const o = u as Record<string, unknown>;
  const cacheRead = num(o.cache_read_input_tokens);
  return {
    promptTokens: num(o.input_tokens) + cacheRead + num(o.cache_creation_input_tokens),
    completionTokens: num(o.output_tokens),
    cachedTokens: cacheRead,
  };
}

export function openAIUsage(u: Usage): Record<string, unknown> {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens },
  };
}

interface ContentBlock {
  type?: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
}

export function parseAnthropicMessage(op: Operation, payload: unknown, target: Target, ctx: RequestContext): TranslatedResponse {
  const msg = (payload && typeof payload === 'object' ? payload : {}) as Record<string, unknown>;
  const blocks = (Array.isArray(msg.content) ? msg.content : []) as ContentBlock[];
  const text = blocks.filter((b) => b.type === 'text').map((b) => b.text ?? '').join('');
  const toolCalls = blocks
    .filter((b) => b.type === 'tool_use')
    .map((b) => ({ id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } }));
  const usage = usageFromAnthropic(msg.usage);
  const finish = finishReasonFor(msg.stop_reason);
  const base = { id: String(msg.id ?? `msg_${ctx.requestId}`), created: ctx.created, model: target.servedAs };
  const choice =
    op === 'completions'
      ? { index: 0, text, logprobs: null, finish_reason: finish }
      : {
          index: 0,
          message: {
            role: 'assistant',
            content: text === '' && toolCalls.length > 0 ? null : text,
            refusal: null,
            ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
          },
          logprobs: null,
          finish_reason: finish,
        };
  const body: Record<string, unknown> = {
    ...base,
    object: op === 'completions' ? 'text_completion' : 'chat.completion',
    choices: [choice],
  };
  if (usage) body.usage = openAIUsage(usage);
  return { body, usage };
}

/** Anthropic error types (https://docs.anthropic.com/en/api/errors) → OpenAI error `type`. */
const ERROR_TYPES: Record<string, string> = {
  invalid_request_error: 'invalid_request_error',
  authentication_error: 'authentication_error',
  permission_error: 'permission_error',
  not_found_error: 'invalid_request_error',
  request_too_large: 'invalid_request_error',
  rate_limit_error: 'rate_limit_error',
  api_error: 'api_error',
  overloaded_error: 'api_error',
};

export function anthropicErrorEnvelope(err: unknown, fallback: string): Record<string, unknown> {
  const e = (err && typeof err === 'object' ? err : {}) as Record<string, unknown>;
  const kind = typeof e.type === 'string' ? e.type : 'api_error';
  return {
    error: {
      message: typeof e.message === 'string' && e.message !== '' ? e.message : fallback,
      type: ERROR_TYPES[kind] ?? 'api_error',
      code: kind,
      param: null,
    },
  };
}

export function anthropicClientError(status: number, bodyText: string): ClientError {
  let inner: unknown = { type: status === 404 ? 'not_found_error' : 'invalid_request_error', message: bodyText.slice(0, 500) };
  try {
    const parsed = JSON.parse(bodyText) as Record<string, unknown>;
    if (parsed && typeof parsed === 'object' && parsed.error) inner = parsed.error;
  } catch {
    /* not JSON: wrap the text */
  }
  return { status, body: JSON.stringify(anthropicErrorEnvelope(inner, `provider answered ${status}`)) };
}
