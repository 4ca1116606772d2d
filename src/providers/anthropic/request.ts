/**
 * OpenAI chat/completions request (the middle representation) → Anthropic Messages
 * request (https://docs.anthropic.com/en/api/messages). The Messages API has no system
 * role, wants user/assistant turns to alternate, carries tool calls and results as
 * content blocks and requires max_tokens, so the body is rebuilt rather than patched.
 * What the middle carries for Anthropic comes back out: `cache_control` on parts,
 * messages and tools, `thinking_blocks` (signatures intact) first in assistant turns,
 * `thinking` as given or derived from `reasoning_effort`.
 */
import { invalidRequest } from '../../errors.js';
import type { OpenAIBody, Operation, Target } from '../types.js';
import { imageBlock, toAnthropicToolChoice, toAnthropicTools, toolUseBlock } from './blocks.js';
import { isObject, textOf } from '../openai-shape.js';
import { applyResponseFormat } from './json-mode.js';
import { budgetForEffort } from './thinking.js';

type Block = Record<string, unknown>;
interface Turn {
  role: 'user' | 'assistant';
  content: Block[];
}

const DEFAULT_MAX_TOKENS = 4096;
/** Fields Anthropic knows under the same name; anything else OpenAI-only is dropped, because Anthropic rejects unknown fields. */
const NATIVE_PASSTHROUGH = ['top_k', 'thinking', 'metadata', 'service_tier'] as const;

/** Copies a cache hint from a chat part, message or tool onto an Anthropic block. */
function withCache(block: Block, source: Record<string, unknown>): Block {
  if (isObject(source.cache_control)) block.cache_control = source.cache_control;
  return block;
}

/** A message-level cache hint (LiteLLM's convention) marks the message's last block. */
function cacheLast(blocks: Block[], msg: Record<string, unknown>): Block[] {
  const last = blocks[blocks.length - 1];
  if (last && isObject(msg.cache_control) && last.cache_control === undefined) last.cache_control = msg.cache_control;
  return blocks;
}

/** A chat `file` part holding a PDF (or text) as a data URL → an Anthropic document block. */
function documentBlock(part: Record<string, unknown>): Block {
  const file = isObject(part.file) ? part.file : {};
  const m = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s.exec(String(file.file_data ?? ''));
  if (!m) throw invalidRequest('file parts need file.file_data as a base64 data URL for Anthropic', 'messages');
  const block: Block = { type: 'document', source: { type: 'base64', media_type: m[1], data: m[2] } };
  if (typeof file.filename === 'string') block.title = file.filename;
  return block;
}

/** Text parts (system, assistant, tool results) as blocks, keeping their cache hints. */
function textBlocks(content: unknown, where: string): Block[] {
  if (!Array.isArray(content)) {
    const text = textOf(content, where);
    return text === '' ? [] : [{ type: 'text', text }];
  }
  textOf(content, where); // text parts only
  return content.filter((p) => isObject(p) && p.text !== '').map((p) => withCache({ type: 'text', text: String((p as Block).text) }, p as Block));
}

function userBlocks(content: unknown): Block[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalidRequest('user message content must be a string or an array', 'messages');
  return content.map((part): Block => {
    if (!isObject(part)) throw invalidRequest('content parts must be objects', 'messages');
    if (part.type === 'text') return withCache({ type: 'text', text: String(part.text ?? '') }, part);
    if (part.type === 'image_url') {
      const img = part.image_url;
      const url = typeof img === 'string' ? img : isObject(img) ? String(img.url ?? '') : '';
      return withCache(imageBlock(url), part);
    }
    if (part.type === 'file') return withCache(documentBlock(part), part);
    throw invalidRequest(`content part type ${String(part.type)} is not supported by Anthropic`, 'messages');
  });
}

/**
 * Thinking blocks go back verbatim and first, as Anthropic requires; a block without a
 * signature (reasoning another provider produced) would be refused, so it stays out.
 */
function thinkingBlocks(msg: Record<string, unknown>): Block[] {
  if (!Array.isArray(msg.thinking_blocks)) return [];
  return msg.thinking_blocks.filter(
    (b): b is Block => isObject(b) && ((b.type === 'thinking' && typeof b.signature === 'string' && b.signature !== '') || (b.type === 'redacted_thinking' && typeof b.data === 'string')),
  );
}

function assistantBlocks(msg: Record<string, unknown>): Block[] {
  const blocks: Block[] = [...thinkingBlocks(msg), ...textBlocks(msg.content, 'assistant message')];
  const calls = msg.tool_calls;
  if (Array.isArray(calls)) {
    for (const call of calls) blocks.push(withCache(toolUseBlock(call), isObject(call) ? call : {}));
  }
  return cacheLast(blocks, msg);
}

function toolResultBlock(msg: Record<string, unknown>): Block {
  if (typeof msg.tool_call_id !== 'string') throw invalidRequest('tool messages need tool_call_id', 'messages');
  const content = Array.isArray(msg.content) && msg.content.some((p) => isObject(p) && isObject(p.cache_control))
    ? textBlocks(msg.content, 'tool message')
    : textOf(msg.content, 'tool message');
  return withCache({ type: 'tool_result', tool_use_id: msg.tool_call_id, content }, msg);
}

/**
 * Splits OpenAI messages into Anthropic's `system` and strictly alternating turns.
 * `system` is a string unless a part carries a cache hint, then text blocks.
 */
export function toAnthropicMessages(messages: unknown): { system: string | Block[] | undefined; turns: Turn[] } {
  if (!Array.isArray(messages) || messages.length === 0) throw invalidRequest('messages must be a non-empty array', 'messages');
  const system: Block[] = [];
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
        system.push(...cacheLast(textBlocks(msg.content, `${msg.role} message`), msg));
        break;
      case 'user':
        push('user', cacheLast(userBlocks(msg.content), msg));
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
  if (system.length === 0) return { system: undefined, turns };
  if (system.some((b) => b.cache_control !== undefined)) return { system, turns };
  return { system: system.map((b) => b.text).join('\n\n'), turns };
}

function promptToMessages(prompt: unknown): unknown[] {
  if (typeof prompt === 'string') return [{ role: 'user', content: prompt }];
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === 'string') return [{ role: 'user', content: prompt[0] }];
  throw invalidRequest('prompt must be one string for this provider', 'prompt');
}

/**
 * reasoning_effort → a thinking budget, which must stay below max_tokens; an effort
 * the output cap cannot fit turns thinking off rather than raising the cap.
 */
function thinkingFromEffort(effort: unknown, out: Record<string, unknown>): void {
  const budget = budgetForEffort(effort);
  if (budget === undefined) return;
  const fits = Math.min(budget, Number(out.max_tokens) - 1);
  if (fits < 1024) return;
  out.thinking = { type: 'enabled', budget_tokens: fits };
  // Anthropic takes no temperature other than 1 with thinking on.
  delete out.temperature;
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
  if (tools) {
    tools.forEach((tool, i) => withCache(tool, (body.tools as Block[])[i]!));
    out.tools = tools;
  }
  const toolChoice = toAnthropicToolChoice(body.tool_choice, body.parallel_tool_calls);
  if (toolChoice && tools) out.tool_choice = toolChoice;
  for (const key of NATIVE_PASSTHROUGH) if (body[key] !== undefined) out[key] = body[key];
  if (out.thinking === undefined) thinkingFromEffort(body.reasoning_effort, out);
  applyResponseFormat(body.response_format, out);
  return out;
}
