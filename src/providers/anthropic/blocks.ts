/**
 * Content blocks, tools and tool_choice in both shapes, each pair side by side: the
 * adapter reads them OpenAI → Anthropic for requests and Anthropic → OpenAI for answers;
 * the inbound /v1/messages route reads them the other way round.
 */
import { invalidRequest } from '../../errors.js';

import { isObject, parseArguments, parseImageUrl, type Json } from '../openai-shape.js';

export { isObject };

/** OpenAI image_url.url → Anthropic image block. */
export function imageBlock(url: string): Json {
  const image = parseImageUrl(url);
  if ('data' in image) return { type: 'image', source: { type: 'base64', media_type: image.mediaType, data: image.data } };
  return { type: 'image', source: { type: 'url', url: image.url } };
}

/** Anthropic image block → OpenAI image_url part. */
export function imageUrlPart(block: Json): Json {
  const src = isObject(block.source) ? block.source : {};
  if (src.type === 'base64' && typeof src.media_type === 'string' && typeof src.data === 'string') {
    return { type: 'image_url', image_url: { url: `data:${src.media_type};base64,${src.data}` } };
  }
  if (src.type === 'url' && typeof src.url === 'string') return { type: 'image_url', image_url: { url: src.url } };
  throw invalidRequest('image.source must be {type: "base64", media_type, data} or {type: "url", url}', 'messages');
}

/** OpenAI tool_calls[] entry → Anthropic tool_use block. */
export function toolUseBlock(call: unknown): Json {
  if (!isObject(call) || !isObject(call.function)) throw invalidRequest('malformed tool_calls entry', 'messages');
  return { type: 'tool_use', id: String(call.id ?? ''), name: String(call.function.name ?? ''), input: parseArguments(call.function.arguments) };
}

/** Anthropic tool_use block → OpenAI tool_calls[] entry. */
export function toolCall(block: { id?: unknown; name?: unknown; input?: unknown }): Json {
  return { id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) } };
}

/** OpenAI function tools → Anthropic tools. */
export function toAnthropicTools(tools: unknown): Json[] | undefined {
  if (!Array.isArray(tools) || tools.length === 0) return undefined;
  return tools.map((t): Json => {
    if (!isObject(t) || t.type !== 'function' || !isObject(t.function)) throw invalidRequest('only function tools are supported', 'tools');
    const fn = t.function;
    const out: Json = { name: String(fn.name ?? ''), input_schema: isObject(fn.parameters) ? fn.parameters : { type: 'object', properties: {} } };
    if (typeof fn.description === 'string') out.description = fn.description;
    return out;
  });
}

/** Anthropic client tools → OpenAI function tools. Server tools (web search, code execution…) run at Anthropic only. */
export function toOpenAITools(tools: unknown): Json[] | undefined {
  if (tools == null) return undefined;
  if (!Array.isArray(tools)) throw invalidRequest('tools: Input should be a valid list', 'tools');
  if (tools.length === 0) return undefined;
  return tools.map((t, i): Json => {
    if (!isObject(t) || typeof t.name !== 'string') throw invalidRequest(`tools.${i}.name: Field required`, 'tools');
    if (t.type !== undefined && t.type !== 'custom') {
      throw invalidRequest(`tools.${i}: server tool type ${String(t.type)} is not supported through TokenHub; define it as a client tool`, 'tools');
    }
    const fn: Json = { name: t.name, parameters: isObject(t.input_schema) ? t.input_schema : { type: 'object', properties: {} } };
    if (typeof t.description === 'string') fn.description = t.description;
    return { type: 'function', function: fn };
  });
}

/** OpenAI tool_choice (+ parallel_tool_calls) → Anthropic tool_choice. */
export function toAnthropicToolChoice(choice: unknown, parallel: unknown): Json | undefined {
  let out: Json | undefined;
  if (choice === 'auto') out = { type: 'auto' };
  else if (choice === 'none') out = { type: 'none' };
  else if (choice === 'required') out = { type: 'any' };
  else if (isObject(choice) && isObject(choice.function)) out = { type: 'tool', name: String(choice.function.name ?? '') };
  else if (choice !== undefined) throw invalidRequest('unsupported tool_choice', 'tool_choice');
  if (parallel === false && out?.type !== 'none') out = { ...(out ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return out;
}

/** Anthropic tool_choice → OpenAI tool_choice and parallel_tool_calls. */
export function toOpenAIToolChoice(choice: unknown): { tool_choice?: unknown; parallel_tool_calls?: false } {
  if (choice == null) return {};
  if (!isObject(choice)) throw invalidRequest('tool_choice must be an object', 'tool_choice');
  const out: { tool_choice?: unknown; parallel_tool_calls?: false } = {};
  if (choice.type === 'auto') out.tool_choice = 'auto';
  else if (choice.type === 'none') out.tool_choice = 'none';
  else if (choice.type === 'any') out.tool_choice = 'required';
  else if (choice.type === 'tool' && typeof choice.name === 'string') out.tool_choice = { type: 'function', function: { name: choice.name } };
  else throw invalidRequest(`tool_choice.type ${String(choice.type)} is not supported`, 'tool_choice');
  if (choice.disable_parallel_tool_use === true && out.tool_choice !== 'none') out.parallel_tool_calls = false;
  return out;
}
