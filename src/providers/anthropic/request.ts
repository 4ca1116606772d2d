/**
 * OpenAI chat/completions request → Anthropic Messages request
 * (https://docs.anthropic.com/en/api/messages). The Messages API has no system role,
 * wants user/assistant turns to alternate, carries tool calls and results as content
 * blocks and requires max_tokens, so the body is rebuilt rather than patched.
 */
import { invalidRequest } from '../../errors.js';
import type { OpenAIBody, Operation, Target } from '../types.js';
import { imageBlock, toAnthropicToolChoice, toAnthropicTools, toolUseBlock } from './blocks.js';
import { isObject, textOf } from '../openai-shape.js';

type Block = Record<string, unknown>;
interface Turn {
  role: 'user' | 'assistant';
  content: Block[];
}

const DEFAULT_MAX_TOKENS = 4096;
/** Fields Anthropic knows under the same name; anything else OpenAI-only is dropped, because Anthropic rejects unknown fields. */
const NATIVE_PASSTHROUGH = ['top_k', 'thinking', 'metadata', 'service_tier'] as const;

function userBlocks(content: unknown): Block[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalidRequest('user message content must be a string or an array', 'messages');
  return content.map((part): Block => {
    if (!isObject(part)) throw invalidRequest('content parts must be objects', 'messages');
    if (part.type === 'text') return { type: 'text', text: String(part.text ?? '') };
    if (part.type === 'image_url') {
      const img = part.image_url;
      const url = typeof img === 'string' ? img : isObject(img) ? String(img.url ?? '') : '';
      return imageBlock(url);
    }
    throw invalidRequest(`content part type ${String(part.type)} is not supported by Anthropic`, 'messages');
  });
}

function assistantBlocks(msg: Record<string, unknown>): Block[] {
  const blocks: Block[] = [];
  const text = textOf(msg.content, 'assistant message');
  if (text !== '') blocks.push({ type: 'text', text });
  const calls = msg.tool_calls;
  if (Array.isArray(calls)) {
    for (const call of calls) blocks.push(toolUseBlock(call));
  }
  return blocks;
}

function toolResultBlock(msg: Record<string, unknown>): Block {
  if (typeof msg.tool_call_id !== 'string') throw invalidRequest('tool messages need tool_call_id', 'messages');
  return { type: 'tool_result', tool_use_id: msg.tool_call_id, content: textOf(msg.content, 'tool message') };
}

/** Splits OpenAI messages into Anthropic's `system` string and strictly alternating turns. */
export function toAnthropicMessages(messages: unknown): { system: string | undefined; turns: Turn[] } {
  if (!Array.isArray(messages) || messages.length === 0) throw invalidRequest('messages must be a non-empty array', 'messages');
  const system: string[] = [];
  const turns: Turn[] = [];
  const push = (role: Turn['role'], content: Block[]): void => {
    if (content.length === 0) return;
    const last = turns[turns.length - 1];
    // Anthropic rejects two turns of the same role in a row: merge them.
    if (last && last.role === role) last.content.push(...content);
    else turns.push({ role, content });
  };
  for (const msg of messages) {
    if (!isObject(msg)) throw invalidRequest('each message must be an object', 'messages');
    switch (msg.role) {
      case 'system':
      case 'developer':
        system.push(textOf(msg.content, `${msg.role} message`));
        break;
      case 'user':
        push('user', userBlocks(msg.content));
        break;
      case 'assistant':
        push('assistant', assistantBlocks(msg));
        break;
      case 'tool':
        push('user', [toolResultBlock(msg)]);
        break;
      default:
        throw invalidRequest(`message role ${String(msg.role)} is not supported by Anthropic`, 'messages');
    }
  }
  const joined = system.filter((s) => s !== '').join('\n\n');
  return { system: joined === '' ? undefined : joined, turns };
}

function promptToMessages(prompt: unknown): unknown[] {
  if (typeof prompt === 'string') return [{ role: 'user', content: prompt }];
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === 'string') return [{ role: 'user', content: prompt[0] }];
  throw invalidRequest('prompt must be one string for this provider', 'prompt');
}

export function buildAnthropicBody(op: Operation, body: OpenAIBody, target: Target, stream: boolean): Record<string, unknown> {
  if (typeof body.n === 'number' && body.n > 1) throw invalidRequest('Anthropic returns one choice per request; n must be 1', 'n');
  const { system, turns } = toAnthropicMessages(op === 'completions' ? promptToMessages(body.prompt) : body.messages);
  const maxTokens = body.max_completion_tokens ?? body.max_tokens ?? target.info?.max_output ?? DEFAULT_MAX_TOKENS;
  const out: Record<string, unknown> = { model: target.upstreamModel, max_tokens: maxTokens, messages: turns };
  if (system !== undefined) out.system = system;
  if (stream) out.stream = true;
  if (body.stop != null) out.stop_sequences = Array.isArray(body.stop) ? body.stop : [body.stop];
  // OpenAI's temperature runs 0..2, Anthropic's 0..1.
  if (typeof body.temperature === 'number') out.temperature = Math.min(body.temperature, 1);
  if (typeof body.top_p === 'number') out.top_p = body.top_p;
  if (typeof body.user === 'string' && body.metadata === undefined) out.metadata = { user_id: body.user };
  const tools = toAnthropicTools(body.tools);
  if (tools) out.tools = tools;
  const toolChoice = toAnthropicToolChoice(body.tool_choice, body.parallel_tool_calls);
  if (toolChoice && tools) out.tool_choice = toolChoice;
  for (const key of NATIVE_PASSTHROUGH) if (body[key] !== undefined) out[key] = body[key];
  return out;
}
