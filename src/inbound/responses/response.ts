/**
 * The pipeline's chat answer → a Responses API Response object
 * (https://platform.openai.com/docs/api-reference/responses/object). The stream
 * writer (stream.ts) builds its items with the same functions, so the streamed and
 * the non-streamed answers are the same object.
 */
import { isObject, type Json } from '../../providers/openai-shape.js';
import type { Usage } from '../../providers/types.js';
import { encodeThinking, itemIdFor } from './ids.js';

export interface ResponseMeta {
  id: string;
  /** unix seconds */
  createdAt: number;
  /** the model as the request named it, until the answer names the one that served */
  model: string;
  customTools: ReadonlySet<string>;
  /** chat tool name → namespace and name, for tools that came inside a `namespace` tool */
  namespaced?: ReadonlyMap<string, { namespace: string; name: string }>;
  echo: Json;
}

/** Responses usage from the gateway's Usage (plus reasoning tokens when the provider said). */
export function responsesUsage(u: Usage, reasoningTokens: number): Json {
  return {
    input_tokens: u.promptTokens,
    input_tokens_details: { cached_tokens: u.cachedTokens },
    output_tokens: u.completionTokens,
    output_tokens_details: { reasoning_tokens: reasoningTokens },
    total_tokens: u.promptTokens + u.completionTokens,
  };
}

export function reasoningTokensOf(usage: unknown): number {
  const d = isObject(usage) && isObject(usage.completion_tokens_details) ? usage.completion_tokens_details : {};
  return typeof d.reasoning_tokens === 'number' ? d.reasoning_tokens : 0;
}

export const messageItem = (id: string, text: string, status: string): Json => ({
  id,
  type: 'message',
  status,
  role: 'assistant',
  content: text === '' && status === 'in_progress' ? [] : [outputText(text)],
});

export const outputText = (text: string): Json => ({ type: 'output_text', text, annotations: [], logprobs: [] });

export function reasoningItem(id: string, summary: string, thinking: unknown): Json {
  const item: Json = { id, type: 'reasoning', summary: summary === '' ? [] : [{ type: 'summary_text', text: summary }] };
  const encrypted = encodeThinking(thinking);
  if (encrypted) item.encrypted_content = encrypted;
  return item;
}

/**
 * A tool call as its item: a freeform tool's `{input}` argument becomes the call's raw
 * input again, and a namespaced tool's chat name its name and namespace.
 */
export function toolCallItem(responseId: string, index: number, callId: string, chatName: string, args: string, custom: boolean, status: string, namespaced?: ResponseMeta['namespaced']): Json {
  const ns = namespaced?.get(chatName);
  const name = ns ? ns.name : chatName;
  const namespace = ns ? { namespace: ns.namespace } : {};
  if (custom) {
    let input = args;
    try {
      const parsed: unknown = JSON.parse(args);
      if (isObject(parsed) && typeof parsed.input === 'string') input = parsed.input;
    } catch {
      // not JSON: the model wrote the raw text itself
    }
    return { id: itemIdFor('ctc', responseId, index), type: 'custom_tool_call', status, call_id: callId, name, ...namespace, input };
  }
  return { id: itemIdFor('fc', responseId, index), type: 'function_call', status, arguments: args, call_id: callId, name, ...namespace };
}

/** How the answer ended: a cut by the token limit or a content filter is `incomplete`. */
export function endState(finishReason: unknown): { status: string; incomplete_details: Json | null } {
  if (finishReason === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finishReason === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

/** The Response object around its output items. */
export function buildResponse(meta: ResponseMeta, fields: { status: string; model?: unknown; output: Json[]; usage: Json | null; incomplete_details?: Json | null; error?: Json | null }): Json {
  return {
    id: meta.id,
    object: 'response',
    created_at: meta.createdAt,
    status: fields.status,
    background: false,
    error: fields.error ?? null,
    incomplete_details: fields.incomplete_details ?? null,
    ...meta.echo,
    model: typeof fields.model === 'string' ? fields.model : meta.model,
    output: fields.output,
    usage: fields.usage,
  };
}

/** A chat.completion → a Response. `estimate` fills usage when the provider reported none. */
export function toResponse(completion: unknown, meta: ResponseMeta, usage: Usage): Json {
  const c = isObject(completion) ? completion : {};
  const choice = Array.isArray(c.choices) && isObject(c.choices[0]) ? c.choices[0] : {};
  const msg = isObject(choice.message) ? choice.message : {};
  const output: Json[] = [];
  const reasoning = typeof msg.reasoning_content === 'string' ? msg.reasoning_content : typeof msg.reasoning === 'string' ? msg.reasoning : '';
  if (reasoning !== '' || Array.isArray(msg.thinking_blocks)) {
    output.push(reasoningItem(itemIdFor('rs', meta.id, output.length), reasoning, msg.thinking_blocks));
  }
  if (typeof msg.content === 'string' && msg.content !== '') output.push(messageItem(itemIdFor('msg', meta.id, output.length), msg.content, 'completed'));
  else if (typeof msg.refusal === 'string' && msg.refusal !== '') {
    output.push({ id: itemIdFor('msg', meta.id, output.length), type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'refusal', refusal: msg.refusal }] });
  }
  for (const call of Array.isArray(msg.tool_calls) ? msg.tool_calls : []) {
    if (!isObject(call) || !isObject(call.function)) continue;
    const name = String(call.function.name ?? '');
    const args = typeof call.function.arguments === 'string' ? call.function.arguments : JSON.stringify(call.function.arguments ?? {});
    const callId = typeof call.id === 'string' ? call.id : `call_${meta.id.slice(5)}${output.length}`;
    output.push(toolCallItem(meta.id, output.length, callId, name, args, meta.customTools.has(name), 'completed', meta.namespaced));
  }
  return buildResponse(meta, {
    ...endState(choice.finish_reason),
    model: c.model,
    output,
    usage: responsesUsage(usage, reasoningTokensOf(c.usage)),
  });
}
