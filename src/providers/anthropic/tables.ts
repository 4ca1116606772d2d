/**
 * The tables both directions of the Anthropic translation share: the adapter (OpenAI
 * request → Anthropic, Anthropic answer → OpenAI) and the inbound /v1/messages route
 * (Anthropic request → OpenAI, OpenAI answer → Anthropic). One table per concept, read
 * one way or the other, so the two directions cannot drift apart.
 */
import type { Usage } from '../types.js';

/**
 * Anthropic stop_reason ↔ OpenAI finish_reason
 * (https://docs.anthropic.com/en/api/handling-stop-reasons). Either way round, the
 * first row naming a reason wins.
 */
const STOP_REASONS: readonly (readonly [anthropic: string, openai: string])[] = [
  ['end_turn', 'stop'],
  ['max_tokens', 'length'],
  ['tool_use', 'tool_calls'],
  ['refusal', 'content_filter'],
  ['stop_sequence', 'stop'],
  ['pause_turn', 'stop'],
  ['model_context_window_exceeded', 'length'],
  // OpenAI's legacy single function call
  ['tool_use', 'function_call'],
];

const TO_OPENAI = new Map<string, string>();
const TO_ANTHROPIC = new Map<string, string>();
for (const [a, o] of STOP_REASONS) {
  if (!TO_OPENAI.has(a)) TO_OPENAI.set(a, o);
  if (!TO_ANTHROPIC.has(o)) TO_ANTHROPIC.set(o, a);
}

export const finishReasonFor = (stopReason: unknown): string =>
  typeof stopReason === 'string' ? (TO_OPENAI.get(stopReason) ?? 'stop') : 'stop';

export const stopReasonFor = (finishReason: unknown): string =>
  typeof finishReason === 'string' ? (TO_ANTHROPIC.get(finishReason) ?? 'end_turn') : 'end_turn';

/**
 * Anthropic error type (https://docs.anthropic.com/en/api/errors) ↔ HTTP status ↔ the
 * OpenAI error `type` a client of /v1/chat/completions sees.
 */
const ERRORS: readonly (readonly [anthropic: string, status: number, openai: string])[] = [
  ['invalid_request_error', 400, 'invalid_request_error'],
  ['authentication_error', 401, 'authentication_error'],
  ['billing_error', 402, 'insufficient_quota'],
  ['permission_error', 403, 'permission_error'],
  ['not_found_error', 404, 'invalid_request_error'],
  ['request_too_large', 413, 'invalid_request_error'],
  ['rate_limit_error', 429, 'rate_limit_error'],
  ['api_error', 500, 'api_error'],
  ['timeout_error', 504, 'api_error'],
  ['overloaded_error', 529, 'api_error'],
];

const OPENAI_ERROR_TYPE = new Map(ERRORS.map(([a, , o]) => [a, o]));
const ERROR_BY_STATUS = new Map(ERRORS.map(([a, s]) => [s, a]));

export const openAIErrorTypeFor = (anthropicType: string): string => OPENAI_ERROR_TYPE.get(anthropicType) ?? 'api_error';

/** The Anthropic error type for a status; `code` wins when it already is an Anthropic type (a provider's own error). */
export function anthropicErrorTypeFor(status: number, code?: unknown): string {
  if (typeof code === 'string' && OPENAI_ERROR_TYPE.has(code)) return code;
  return ERROR_BY_STATUS.get(status) ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/**
 * Anthropic's input_tokens excludes tokens read from or written to the cache; the
 * gateway's promptTokens (like OpenAI's prompt_tokens) includes both, with reads in
 * cachedTokens and writes in cacheWriteTokens.
 */
export function usageFromAnthropic(u: unknown): Usage | null {
  if (!u || typeof u !== 'object') return null;
  const o = u as Record<string, unknown>;
  const cacheRead = num(o.cache_read_input_tokens);
  const cacheWrite = num(o.cache_creation_input_tokens);
  const usage: Usage = {
    promptTokens: num(o.input_tokens) + cacheRead + cacheWrite,
    completionTokens: num(o.output_tokens),
    cachedTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
  };
  // cache_creation splits the writes by TTL when a request used the 1-hour cache
  const writes1h = num((o.cache_creation as Record<string, unknown> | undefined)?.ephemeral_1h_input_tokens);
  if (writes1h > 0) usage.cacheWrite1hTokens = writes1h;
  return usage;
}

/** The reverse of usageFromAnthropic. */
export function anthropicUsage(u: Usage): { input_tokens: number; output_tokens: number; cache_read_input_tokens: number; cache_creation_input_tokens: number } {
  const writes = u.cacheWriteTokens ?? 0;
  return {
    input_tokens: Math.max(0, u.promptTokens - u.cachedTokens - writes),
    output_tokens: u.completionTokens,
    cache_read_input_tokens: u.cachedTokens,
    cache_creation_input_tokens: writes,
  };
}
