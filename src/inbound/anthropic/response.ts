/**
 * The pipeline's chat answer → what an Anthropic Messages client reads: a Message
 * (thinking blocks first, signatures intact, then text and tool_use) or an error body.
 * Streams: stream.ts. Requests: request.ts.
 */
import { usageFromOpenAI } from '../../providers/openai/index.js';
import type { Usage } from '../../providers/types.js';
import { isObject, toolUseBlock } from '../../providers/anthropic/blocks.js';
import { anthropicErrorTypeFor, anthropicUsage, stopReasonFor } from '../../providers/anthropic/tables.js';

type Json = Record<string, unknown>;

/** A provider's tool call whose arguments are not JSON still reaches the client, with empty input. */
function tolerantToolUse(call: Json): Json {
  try {
    return toolUseBlock(call);
  } catch {
    return toolUseBlock({ ...call, function: { ...(call.function as Json), arguments: '{}' } });
  }
}

/**
 * A chat message's reasoning as Anthropic blocks: `thinking_blocks` verbatim when the
 * provider was Anthropic; otherwise its `reasoning_content` as one thinking block with
 * an empty signature (which TokenHub drops again before it could reach Anthropic).
 */
export function thinkingBlocksOf(msg: Json): Json[] {
  if (Array.isArray(msg.thinking_blocks)) {
    const blocks = msg.thinking_blocks.filter((b): b is Json => isObject(b) && (b.type === 'thinking' || b.type === 'redacted_thinking'));
    if (blocks.length > 0) return blocks;
  }
  const text = msg.reasoning_content ?? msg.reasoning;
  return typeof text === 'string' && text !== '' ? [{ type: 'thinking', thinking: text, signature: '' }] : [];
}

/** Anthropic message ids are msg_…; the gateway's request id makes one that can be found in the usage records. */
export const messageIdFor = (requestId: string): string => `msg_${requestId.replace(/^req_/, '')}`;

/**
 * The pipeline's OpenAI chat.completion → an Anthropic Message. `estimate` fills usage
 * when the provider reported none (the usage record says it was estimated).
 */
export function toAnthropicMessage(completion: unknown, id: string, estimate: Usage): Json {
  const c = isObject(completion) ? completion : {};
  const choice = Array.isArray(c.choices) && isObject(c.choices[0]) ? c.choices[0] : {};
  const msg = isObject(choice.message) ? choice.message : {};
  const content: Json[] = thinkingBlocksOf(msg);
  const text = typeof msg.content === 'string' ? msg.content : typeof msg.refusal === 'string' ? msg.refusal : '';
  if (text !== '') content.push({ type: 'text', text });
  for (const call of Array.isArray(msg.tool_calls) ? msg.tool_calls : []) {
    if (isObject(call) && isObject(call.function)) content.push(tolerantToolUse(call));
  }
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: c.model,
    content,
    stop_reason: stopReasonFor(choice.finish_reason),
    stop_sequence: null,
    usage: anthropicUsage(usageFromOpenAI(c.usage) ?? estimate),
  };
}

/** An Anthropic error body (https://docs.anthropic.com/en/api/errors). */
export function anthropicError(status: number, message: string, code?: unknown, requestId?: string): Json {
  const body: Json = { type: 'error', error: { type: anthropicErrorTypeFor(status, code), message } };
  if (requestId) body.request_id = requestId;
  return body;
}

/** The gateway's OpenAI error envelope (or a provider's) → the Anthropic error body. */
export function anthropicErrorFromOpenAI(status: number, envelope: unknown, requestId?: string): Json {
  const e = isObject(envelope) && isObject(envelope.error) ? envelope.error : {};
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : `request failed with status ${status}`;
  return anthropicError(status, message, e.code, requestId);
}
