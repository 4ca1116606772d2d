/**
 * The Anthropic Messages API inbound (https://docs.anthropic.com/en/api/messages): a
 * client's Anthropic request → the OpenAI-shaped body the gateway pipeline takes, and
 * the pipeline's OpenAI answer → an Anthropic Message or error. The reverse of the
 * adapter, built on the same tables (tables.ts, blocks.ts). Streams: inbound-stream.ts.
 */
import { invalidRequest } from '../../errors.js';
import { usageFromOpenAI } from '../openai/index.js';
import type { OpenAIBody, Usage } from '../types.js';
import { imageUrlPart, isObject, toolCall, toolUseBlock, toOpenAITools, toOpenAIToolChoice } from './blocks.js';
import { anthropicErrorTypeFor, anthropicUsage, stopReasonFor } from './tables.js';
import { checkModelName } from '../../util/identifiers.js';

type Json = Record<string, unknown>;

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** system, a tool_result's content, or an assistant turn: only their text survives. */
function textOf(content: unknown, where: string): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw invalidRequest(`${where}: Input should be a string or a list of content blocks`, where);
  return content
    .filter((b) => isObject(b) && b.type === 'text')
    .map((b) => String((b as Json).text ?? ''))
    .join('\n');
}

/** The images inside a tool_result, which OpenAI tool messages cannot carry: they follow in a user message. */
function imagesOf(content: unknown): Json[] {
  return Array.isArray(content) ? content.filter((b) => isObject(b) && b.type === 'image').map((b) => imageUrlPart(b as Json)) : [];
}

function userMessages(content: unknown[], where: string): Json[] {
  const tools: Json[] = [];
  const parts: Json[] = [];
  content.forEach((block, j) => {
    if (!isObject(block)) throw invalidRequest(`${where}.content.${j}: Input should be an object`, 'messages');
    switch (block.type) {
      case 'text':
        parts.push({ type: 'text', text: String(block.text ?? '') });
        break;
      case 'image':
        parts.push(imageUrlPart(block));
        break;
      case 'tool_result': {
        if (typeof block.tool_use_id !== 'string') throw invalidRequest(`${where}.content.${j}.tool_use_id: Field required`, 'messages');
        const text = textOf(block.content, `${where}.content.${j}.content`);
        // OpenAI tool messages have no error flag: say it in the text the model reads.
        tools.push({ role: 'tool', tool_call_id: block.tool_use_id, content: block.is_error === true ? `Error: ${text}` : text });
        parts.push(...imagesOf(block.content));
        break;
      }
      default:
        throw invalidRequest(`${where}.content.${j}: content block type ${String(block.type)} is not supported through TokenHub`, 'messages');
    }
  });
  // Tool results answer the assistant turn before them, so they come first.
  const out = tools;
  if (parts.length === 1 && parts[0]!.type === 'text') out.push({ role: 'user', content: parts[0]!.text });
  else if (parts.length > 0) out.push({ role: 'user', content: parts });
  return out;
}

function assistantMessage(content: unknown[], where: string): Json {
  let text = '';
  const toolCalls: Json[] = [];
  content.forEach((block, j) => {
    if (!isObject(block)) throw invalidRequest(`${where}.content.${j}: Input should be an object`, 'messages');
    if (block.type === 'text') text += String(block.text ?? '');
    else if (block.type === 'tool_use') toolCalls.push(toolCall(block));
    else if (block.type !== 'thinking' && block.type !== 'redacted_thinking') {
      // Thinking is the model's own scratchpad; no other provider can take it back.
      throw invalidRequest(`${where}.content.${j}: content block type ${String(block.type)} is not supported through TokenHub`, 'messages');
    }
  });
  const msg: Json = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) msg.tool_calls = toolCalls;
  return msg;
}

function toOpenAIMessages(system: unknown, messages: unknown): Json[] {
  if (!Array.isArray(messages)) {
    throw invalidRequest(messages === undefined ? 'messages: Field required' : `messages: Input should be a valid list, got ${typeName(messages)}`, 'messages');
  }
  if (messages.length === 0) throw invalidRequest('messages: at least one message is required', 'messages');
  const out: Json[] = [];
  const systemText = textOf(system, 'system');
  if (systemText !== '') out.push({ role: 'system', content: systemText });
  messages.forEach((m, i) => {
    const where = `messages.${i}`;
    if (!isObject(m)) throw invalidRequest(`${where}: Input should be an object`, 'messages');
    if (m.role !== 'user' && m.role !== 'assistant') throw invalidRequest(`${where}.role: Input should be 'user' or 'assistant'`, 'messages');
    if (typeof m.content === 'string') out.push({ role: m.role, content: m.content });
    else if (!Array.isArray(m.content)) throw invalidRequest(`${where}.content: Input should be a string or a list of content blocks`, 'messages');
    else if (m.role === 'user') out.push(...userMessages(m.content, where));
    else out.push(assistantMessage(m.content, where));
  });
  return out;
}

/**
 * An Anthropic Messages request → the OpenAI chat body the pipeline takes. Fields only
 * Anthropic knows (top_k, thinking, service_tier, cache_control) are dropped: the model
 * may be served by any provider type, and OpenAI refuses what it does not know.
 */
export function toOpenAIRequest(raw: unknown, opts: { countOnly?: boolean } = {}): OpenAIBody {
  if (!isObject(raw)) throw invalidRequest(`The request body must be a JSON object, got ${typeName(raw)}`);
  if (typeof raw.model !== 'string' || raw.model.trim() === '') throw invalidRequest('model: Field required', 'model');
  checkModelName(raw.model);
  if (!opts.countOnly && (typeof raw.max_tokens !== 'number' || raw.max_tokens < 1)) {
    throw invalidRequest('max_tokens: Field required (a positive integer)', 'max_tokens');
  }
  if (raw.stream != null && typeof raw.stream !== 'boolean') throw invalidRequest('stream: Input should be a valid boolean', 'stream');
  const body: OpenAIBody = { model: raw.model, messages: toOpenAIMessages(raw.system, raw.messages) };
  if (typeof raw.max_tokens === 'number') body.max_tokens = raw.max_tokens;
  if (raw.stream === true) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  if (Array.isArray(raw.stop_sequences) && raw.stop_sequences.length > 0) body.stop = raw.stop_sequences;
  if (typeof raw.temperature === 'number') body.temperature = raw.temperature;
  if (typeof raw.top_p === 'number') body.top_p = raw.top_p;
  if (isObject(raw.metadata) && typeof raw.metadata.user_id === 'string') body.user = raw.metadata.user_id;
  const tools = toOpenAITools(raw.tools);
  if (tools) {
    body.tools = tools;
    Object.assign(body, toOpenAIToolChoice(raw.tool_choice));
  }
  return body;
}

/** A provider's tool call whose arguments are not JSON still reaches the client, with empty input. */
function tolerantToolUse(call: Json): Json {
  try {
    return toolUseBlock(call);
  } catch {
    return toolUseBlock({ ...call, function: { ...(call.function as Json), arguments: '{}' } });
  }
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
  const content: Json[] = [];
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
