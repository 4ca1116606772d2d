/**
 * Responses API input items (https://platform.openai.com/docs/api-reference/responses/create)
 * → chat messages, the gateway's middle representation. An item list is a flat
 * conversation: messages, the model's function calls, their outputs and its reasoning;
 * chat groups the calls (and the reasoning before them) into assistant messages.
 */
import { invalidRequest, type GatewayError } from '../../errors.js';
import { isObject, type Json } from '../../providers/openai-shape.js';
import { decodeThinking } from './ids.js';

export const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** `input` as a list of items: a string is one user message. */
export function normalizeInput(input: unknown): Json[] {
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: input }] }];
  if (!Array.isArray(input)) throw invalidRequest(`Invalid type for 'input': expected a string or an array of items, got ${typeName(input)}`, 'input');
  return input.map((item, i) => {
    if (!isObject(item)) throw invalidRequest(`Invalid type for 'input[${i}]': expected an object, got ${typeName(item)}`, `input[${i}]`);
    // EasyInputMessage: {role, content} with no type is a message
    return item.type === undefined && typeof item.role === 'string' ? { type: 'message', ...item } : item;
  });
}

function contentPart(part: unknown, where: string): Json {
  if (!isObject(part)) throw invalidRequest(`Invalid type for '${where}': expected an object`, where);
  switch (part.type) {
    case 'input_text':
    case 'output_text':
    case 'text':
      if (typeof part.text !== 'string') throw invalidRequest(`Missing required parameter: '${where}.text'`, `${where}.text`);
      return { type: 'text', text: part.text };
    case 'refusal':
      return { type: 'text', text: String(part.refusal ?? '') };
    case 'input_image': {
      const url = typeof part.image_url === 'string' ? part.image_url : undefined;
      if (!url) {
        const why = part.file_id !== undefined ? 'file_id images are not supported through TokenHub; send image_url (a data URL or an http(s) URL)' : 'Missing required parameter';
        throw invalidRequest(`${why}: '${where}.image_url'`, `${where}.image_url`);
      }
      const image: Json = { url };
      if (typeof part.detail === 'string') image.detail = part.detail;
      return { type: 'image_url', image_url: image };
    }
    case 'input_file': {
      if (typeof part.file_data !== 'string') {
        throw invalidRequest(`'${where}': only input_file with file_data (a base64 data URL) is supported through TokenHub`, `${where}.file_data`);
      }
      const file: Json = { file_data: part.file_data };
      if (typeof part.filename === 'string') file.filename = part.filename;
      return { type: 'file', file };
    }
    default:
      throw invalidRequest(`Invalid value for '${where}.type': unknown content part type ${JSON.stringify(part.type)}`, `${where}.type`);
  }
}

/** A message's content as chat content: a plain string when it is all text (every provider takes that). */
function messageContent(content: unknown, where: string): string | Json[] {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw invalidRequest(`Invalid type for '${where}': expected a string or an array of content parts`, where);
  const parts = content.map((p, j) => contentPart(p, `${where}[${j}]`));
  return parts.every((p) => p.type === 'text') ? parts.map((p) => p.text as string).join('') : parts;
}

/** A function_call_output's output: a string, or content parts of which text survives. */
function toolOutput(output: unknown, where: string): string {
  if (typeof output === 'string') return output;
  if (Array.isArray(output)) {
    return output.map((p, j) => {
      const part = contentPart(p, `${where}[${j}]`);
      return part.type === 'text' ? (part.text as string) : '';
    }).join('');
  }
  throw invalidRequest(`Invalid type for '${where}': expected a string or an array of content parts`, where);
}

export interface ItemsContext {
  /** names of the request's freeform (`custom`) tools: their calls carry `{input}` as arguments */
  customTools: ReadonlySet<string>;
}

/**
 * Items → chat messages. A function_call_output must answer a call made earlier in the
 * conversation (the stored turns included): providers reject orphans with less clear words.
 */
export function itemsToMessages(items: Json[], refusals: GatewayError[], where = 'input'): Json[] {
  const out: Json[] = [];
  const calls = new Set<string>();
  /** the assistant message that calls and reasoning attach to, until a non-assistant item */
  let assistant: Json | null = null;
  const openAssistant = (): Json => {
    if (!assistant) {
      assistant = { role: 'assistant', content: null };
      out.push(assistant);
    }
    return assistant;
  };
  items.forEach((item, i) => {
    const at = `${where}[${i}]`;
    switch (item.type) {
      case 'message': {
        const role = item.role === 'developer' ? 'system' : item.role;
        if (role !== 'user' && role !== 'system' && role !== 'assistant') {
          throw invalidRequest(`Invalid value for '${at}.role': expected one of user, system, developer, assistant`, `${at}.role`);
        }
        const content = messageContent(item.content, `${at}.content`);
        if (role === 'assistant') {
          const msg = assistant && !assistant.tool_calls && assistant.content === null ? assistant : ((assistant = null), openAssistant());
          const text = typeof content === 'string' ? content : content.map((p) => String(p.text ?? '')).join('');
          msg.content = typeof msg.content === 'string' ? msg.content + text : text;
        } else {
          assistant = null;
          out.push({ role, content });
        }
        break;
      }
      case 'reasoning': {
        // The model's reasoning before its next answer: summaries as reasoning_content, Anthropic signatures restored.
        const msg = assistant && !assistant.tool_calls && assistant.content === null ? assistant : ((assistant = null), openAssistant());
        const summary = Array.isArray(item.summary) ? item.summary.filter(isObject).map((s) => String(s.text ?? '')).join('\n\n') : '';
        if (summary !== '') msg.reasoning_content = typeof msg.reasoning_content === 'string' ? `${msg.reasoning_content}\n\n${summary}` : summary;
        const blocks = decodeThinking(item.encrypted_content);
        if (blocks) msg.thinking_blocks = [...((msg.thinking_blocks as Json[] | undefined) ?? []), ...blocks];
        break;
      }
      case 'function_call':
      case 'custom_tool_call': {
        const custom = item.type === 'custom_tool_call';
        if (typeof item.call_id !== 'string' || item.call_id === '') throw invalidRequest(`Missing required parameter: '${at}.call_id'`, `${at}.call_id`);
        if (typeof item.name !== 'string' || item.name === '') throw invalidRequest(`Missing required parameter: '${at}.name'`, `${at}.name`);
        const args = custom ? JSON.stringify({ input: typeof item.input === 'string' ? item.input : '' }) : typeof item.arguments === 'string' ? item.arguments : '{}';
        const msg = openAssistant();
        // a call of a tool inside a namespace tool has its chat name (see request.ts namespacedName)
        const name = typeof item.namespace === 'string' && item.namespace !== '' ? `${item.namespace}__${item.name}` : item.name;
        msg.tool_calls = [...((msg.tool_calls as Json[] | undefined) ?? []), { id: item.call_id, type: 'function', function: { name, arguments: args } }];
        calls.add(item.call_id);
        break;
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        if (typeof item.call_id !== 'string') throw invalidRequest(`Missing required parameter: '${at}.call_id'`, `${at}.call_id`);
        if (!calls.has(item.call_id)) {
          throw invalidRequest(`No tool call found for function call output with call_id ${item.call_id}.`, `${at}.call_id`);
        }
        assistant = null;
        out.push({ role: 'tool', tool_call_id: item.call_id, content: toolOutput(item.output, `${at}.output`) });
        break;
      }
      case 'item_reference':
        // One TokenHub stored was resolved before translation; others only the provider that made them can resolve.
        refusals.push(invalidRequest(`Item with id '${String(item.id)}' not found.`, `${at}.id`));
        break;
      default: {
        if (typeof item.type !== 'string' || !/_call(_output)?$/.test(item.type)) {
          throw invalidRequest(`Invalid value for '${at}.type': unknown item type ${JSON.stringify(item.type)}`, `${at}.type`);
        }
        // A built-in tool's call: only a provider that runs the tool (natively) can take it back.
        refusals.push(invalidRequest(`'${at}': ${item.type} items belong to built-in tools, which the serving provider cannot run through TokenHub's translation`, `${at}.type`));
      }
    }
  });
  // Reasoning with no answer after it (another provider's, opaque to us) would be an empty assistant turn, which providers refuse.
  return out.filter((m) => m.role !== 'assistant' || (typeof m.content === 'string' && m.content !== '') || Array.isArray(m.tool_calls));
}
