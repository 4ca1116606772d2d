/**
 * Anthropic Messages response → OpenAI chat.completion / text_completion, plus the
 * pieces the stream translator shares: usage and errors. The tables both directions
 * use (stop reasons, error types, usage) live in tables.ts.
 */
import type { ClientError, Operation, RequestContext, Target, TranslatedResponse, Usage } from '../types.js';
import { toolCall } from './blocks.js';
import { JSON_TOOL } from './json-mode.js';
import { finishReasonFor, openAIErrorTypeFor, usageFromAnthropic } from './tables.js';

export { finishReasonFor, usageFromAnthropic } from './tables.js';

/** Usage in OpenAI's fields; cache writes ride in prompt_tokens_details.cache_write_tokens (the middle's extension). */
export function openAIUsage(u: Usage): Record<string, unknown> {
  const details: Record<string, number> = { cached_tokens: u.cachedTokens };
  if (u.cacheWriteTokens) details.cache_write_tokens = u.cacheWriteTokens;
  const out: Record<string, unknown> = {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details: details,
  };
  if (u.reasoningTokens) out.completion_tokens_details = { reasoning_tokens: u.reasoningTokens };
  return out;
}

interface ContentBlock {
  type?: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  thinking?: string;
  signature?: string;
  data?: string;
}

/**
 * Thinking in the middle representation: its text as `reasoning_content` (what
 * OpenAI-shaped clients read) and the blocks verbatim as `thinking_blocks`, so the
 * client can hand the signatures back on its next turn.
 */
function reasoningFields(blocks: ContentBlock[]): Record<string, unknown> {
  const thinking = blocks.filter((b) => b.type === 'thinking' || b.type === 'redacted_thinking');
  if (thinking.length === 0) return {};
  const text = thinking.map((b) => b.thinking ?? '').join('');
  return { ...(text !== '' ? { reasoning_content: text } : {}), thinking_blocks: thinking };
}

export function parseAnthropicMessage(op: Operation, payload: unknown, target: Target, ctx: RequestContext): TranslatedResponse {
  const msg = (payload && typeof payload === 'object' ? payload : {}) as Record<string, unknown>;
  const blocks = (Array.isArray(msg.content) ? msg.content : []) as ContentBlock[];
  // response_format's forced tool (json-mode.ts): its input is the answer's text.
  const json = blocks.find((b) => b.type === 'tool_use' && b.name === JSON_TOOL);
  const text = json ? JSON.stringify(json.input ?? {}) : blocks.filter((b) => b.type === 'text').map((b) => b.text ?? '').join('');
  const toolCalls = blocks
    .filter((b) => b.type === 'tool_use' && b !== json)
    .map(toolCall);
  const usage = usageFromAnthropic(msg.usage);
  const finish = json && msg.stop_reason === 'tool_use' ? 'stop' : finishReasonFor(msg.stop_reason);
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
            ...reasoningFields(blocks),
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

export function anthropicErrorEnvelope(err: unknown, fallback: string): Record<string, unknown> {
  const e = (err && typeof err === 'object' ? err : {}) as Record<string, unknown>;
  const kind = typeof e.type === 'string' ? e.type : 'api_error';
  return {
    error: {
      message: typeof e.message === 'string' && e.message !== '' ? e.message : fallback,
      type: openAIErrorTypeFor(kind),
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
