/**
 * The Anthropic Messages API inbound (https://docs.anthropic.com/en/api/messages): a
 * client's Anthropic request → the gateway's middle representation (the OpenAI chat
 * shape with the extensions described in src/providers/types.ts). The reverse of the
 * adapter's request.ts, built on the same tables (tables.ts, blocks.ts). Answers go
 * back through response.ts and stream.ts beside this file.
 *
 * Validation reads only what TokenHub needs (model, max_tokens, stream, the shape of
 * messages): a request an Anthropic provider would take is never refused here, because
 * such a provider gets the client's own body (native passthrough). What the chat shape
 * cannot carry is listed in `dropped` (logged) when losing it keeps the meaning, and in
 * `refusal` (a 400 naming the field, raised only if the request must be translated) when
 * it does not.
 */
import { GatewayError, invalidRequest } from '../../errors.js';
import type { OpenAIBody } from '../../providers/types.js';
import { markTranslated } from '../../providers/openai-shape.js';
import { imageUrlPart, isObject, toolCall, toOpenAITools, toOpenAIToolChoice } from '../../providers/anthropic/blocks.js';
import { effortForBudget } from '../../providers/anthropic/thinking.js';
import { checkModelName } from '../../util/identifiers.js';

type Json = Record<string, unknown>;

export interface InboundTranslation {
  body: OpenAIBody;
  /** fields left out of the chat body that do not change the request's meaning (for the log) */
  dropped: string[];
  /** the first thing the chat shape cannot express without changing the request; a 400 if translated */
  refusal?: GatewayError;
}

/** Top-level fields the translation reads; anything else is dropped with a note. */
const READ = new Set([
  'model', 'messages', 'system', 'max_tokens', 'stream', 'stop_sequences', 'temperature', 'top_p', 'metadata',
  'tools', 'tool_choice', 'thinking', 'output_config',
]);

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

class Translation {
  readonly dropped: string[] = [];
  refusal?: GatewayError;

  refuse(param: string, message: string): void {
    this.refusal ??= invalidRequest(`${param}: ${message} cannot be translated for a non-Anthropic provider`, param);
  }

  /** A piece of translation; what it cannot translate becomes the refusal rather than failing a request Anthropic may take. */
  try<T>(piece: () => T): T | undefined {
    try {
      return piece();
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      this.refusal ??= err;
      return undefined;
    }
  }
}

/** Copies an Anthropic cache_control hint onto a chat part, message or tool. */
function withCache<T extends Json>(target: T, source: Json): T {
  if (isObject(source.cache_control)) (target as Json).cache_control = source.cache_control;
  return target;
}

/** Anthropic text blocks → chat content: a plain string unless a block carries a cache hint. */
function textContent(blocks: Json[]): string | Json[] {
  if (!blocks.some((b) => isObject(b.cache_control))) return blocks.map((b) => String(b.text ?? '')).join('\n');
  return blocks.map((b) => withCache({ type: 'text', text: String(b.text ?? '') }, b));
}

/** system (string or text blocks) → a chat system message, or nothing. */
function systemMessage(system: unknown, where: string, t: Translation): Json | undefined {
  if (system == null || system === '') return undefined;
  if (typeof system === 'string') return { role: 'system', content: system };
  if (!Array.isArray(system)) throw invalidRequest(`${where}: Input should be a string or a list of content blocks`, where);
  const texts = system.filter((b): b is Json => isObject(b) && b.type === 'text');
  if (texts.length < system.length) t.dropped.push(`${where} (non-text blocks)`);
  return texts.length === 0 ? undefined : { role: 'system', content: textContent(texts) };
}

/** document blocks: PDFs become chat `file` parts, plain text becomes text. */
function documentPart(block: Json, where: string, t: Translation): Json | undefined {
  const src = isObject(block.source) ? block.source : {};
  if (src.type === 'base64' && typeof src.data === 'string') {
    const file: Json = { file_data: `data:${String(src.media_type ?? 'application/pdf')};base64,${src.data}` };
    if (typeof block.title === 'string') file.filename = block.title;
    return withCache({ type: 'file', file }, block);
  }
  if (src.type === 'text' && typeof src.data === 'string') return withCache({ type: 'text', text: src.data }, block);
  t.refuse(where, `a document with a ${String(src.type)} source`);
  return undefined;
}

/** A tool_result's content: text (and images, which chat tool messages cannot hold: they follow in a user message). */
function toolResultParts(content: unknown, where: string, t: Translation): { text: string; images: Json[] } {
  if (content == null || typeof content === 'string') return { text: content ?? '', images: [] };
  if (!Array.isArray(content)) throw invalidRequest(`${where}: Input should be a string or a list of content blocks`, 'messages');
  const texts: string[] = [];
  const images: Json[] = [];
  content.forEach((b, k) => {
    if (isObject(b) && b.type === 'text') texts.push(String(b.text ?? ''));
    else if (isObject(b) && b.type === 'image') images.push(...(t.try(() => [imageUrlPart(b)]) ?? []));
    else if (isObject(b) && b.type === 'document') {
      const part = documentPart(b, `${where}.${k}`, t);
      if (part?.type === 'text') texts.push(String(part.text));
      else if (part) images.push(part);
    } else t.refuse(`${where}.${k}`, `a tool_result block of type ${String(isObject(b) ? b.type : typeName(b))}`);
  });
  return { text: texts.join('\n'), images };
}

function userMessages(content: unknown[], where: string, t: Translation): Json[] {
  const tools: Json[] = [];
  const parts: Json[] = [];
  content.forEach((block, j) => {
    const at = `${where}.content.${j}`;
    if (!isObject(block)) throw invalidRequest(`${at}: Input should be an object`, 'messages');
    switch (block.type) {
      case 'text':
        parts.push(withCache({ type: 'text', text: String(block.text ?? '') }, block));
        break;
      case 'image':
        parts.push(...(t.try(() => [withCache(imageUrlPart(block), block)]) ?? []));
        break;
      case 'document': {
        const part = documentPart(block, at, t);
        if (part) parts.push(part);
        break;
      }
      case 'tool_result': {
        if (typeof block.tool_use_id !== 'string') {
          t.refuse(`${at}.tool_use_id`, 'a tool_result without tool_use_id');
          break;
        }
        const { text, images } = toolResultParts(block.content, `${at}.content`, t);
        // Chat tool messages have no error flag: say it in the text the model reads.
        const msg = { role: 'tool', tool_call_id: block.tool_use_id, content: block.is_error === true ? `Error: ${text}` : text };
        tools.push(withCache(msg, block));
        parts.push(...images);
        break;
      }
      default:
        t.refuse(at, `a content block of type ${String(block.type)}`);
    }
  });
  // Tool results answer the assistant turn before them, so they come first.
  const out = tools;
  const plain = parts.length === 1 && parts[0]!.type === 'text' && !isObject(parts[0]!.cache_control);
  if (plain) out.push({ role: 'user', content: parts[0]!.text });
  else if (parts.length > 0) out.push({ role: 'user', content: parts });
  return out;
}

/**
 * An assistant turn: text, tool calls, and thinking kept verbatim in `thinking_blocks`
 * (signatures intact, so the next turn can hand them back to Anthropic) with their text
 * in `reasoning_content` for providers that only read that.
 */
function assistantMessage(content: unknown[], where: string, t: Translation): Json {
  const texts: Json[] = [];
  const toolCalls: Json[] = [];
  const thinking: Json[] = [];
  let cache: unknown;
  content.forEach((block, j) => {
    const at = `${where}.content.${j}`;
    if (!isObject(block)) throw invalidRequest(`${at}: Input should be an object`, 'messages');
    if (block.type === 'text') texts.push(block);
    else if (block.type === 'tool_use') {
      toolCalls.push(...(t.try(() => [toolCall(block)]) ?? []));
      if (isObject(block.cache_control)) cache = block.cache_control;
    } else if (block.type === 'thinking' || block.type === 'redacted_thinking') {
      const { cache_control: _, ...verbatim } = block;
      thinking.push(verbatim);
    } else t.refuse(at, `a content block of type ${String(block.type)}`);
  });
  const text = textContent(texts);
  const msg: Json = { role: 'assistant', content: text === '' && toolCalls.length > 0 ? null : text };
  if (toolCalls.length > 0) msg.tool_calls = toolCalls;
  const reasoning = thinking.filter((b) => b.type === 'thinking').map((b) => String(b.thinking ?? '')).join('');
  if (reasoning !== '') msg.reasoning_content = reasoning;
  // A block without a signature (one another provider's reasoning became) cannot go back to Anthropic.
  const signed = thinking.filter((b) => (b.type === 'thinking' && typeof b.signature === 'string' && b.signature !== '') || b.type === 'redacted_thinking');
  if (signed.length > 0) msg.thinking_blocks = signed;
  if (isObject(cache)) msg.cache_control = cache;
  return msg;
}

function chatMessages(system: unknown, messages: unknown, t: Translation): Json[] {
  if (!Array.isArray(messages)) {
    throw invalidRequest(messages === undefined ? 'messages: Field required' : `messages: Input should be a valid list, got ${typeName(messages)}`, 'messages');
  }
  if (messages.length === 0) throw invalidRequest('messages: at least one message is required', 'messages');
  const out: Json[] = [];
  const sys = systemMessage(system, 'system', t);
  if (sys) out.push(sys);
  messages.forEach((m, i) => {
    const where = `messages.${i}`;
    if (!isObject(m)) throw invalidRequest(`${where}: Input should be an object`, 'messages');
    if (m.role === 'system') {
      // Claude Code sends instructions this way; the chat shape has a role for them.
      const msg = systemMessage(m.content, `${where}.content`, t);
      if (msg) out.push(msg);
      return;
    }
    if (m.role !== 'user' && m.role !== 'assistant') {
      t.refuse(`${where}.role`, `the role ${JSON.stringify(m.role)}`);
      return;
    }
    if (typeof m.content === 'string') out.push({ role: m.role, content: m.content });
    else if (!Array.isArray(m.content)) throw invalidRequest(`${where}.content: Input should be a string or a list of content blocks`, 'messages');
    else if (m.role === 'user') out.push(...userMessages(m.content, where, t));
    else out.push(assistantMessage(m.content, where, t));
  });
  return out;
}

/** Anthropic tools → chat tools (cache hints kept); server tools run only at Anthropic. */
function chatTools(tools: unknown, t: Translation): Json[] | undefined {
  if (!Array.isArray(tools)) return t.try(() => toOpenAITools(tools));
  const client = tools.filter((tool, i) => {
    const server = isObject(tool) && tool.type !== undefined && tool.type !== 'custom';
    if (server) t.refuse(`tools.${i}`, `the server tool ${String(tool.type)}`);
    return !server;
  });
  const out = t.try(() => toOpenAITools(client));
  out?.forEach((tool, i) => withCache(tool, client[i] as Json));
  return out;
}

/** Reasoning: `thinking` is kept for Anthropic; reasoning_effort says the same to everyone else. */
function reasoning(raw: Json, body: OpenAIBody): void {
  const thinking = raw.thinking;
  const effort = isObject(raw.output_config) ? raw.output_config.effort : undefined;
  if (isObject(thinking) && thinking.type !== 'disabled') {
    body.thinking = thinking;
    if (typeof effort === 'string') body.reasoning_effort = effort === 'max' ? 'high' : effort;
    else if (typeof thinking.budget_tokens === 'number') body.reasoning_effort = effortForBudget(thinking.budget_tokens);
    else body.reasoning_effort = 'medium';
  }
  const format = isObject(raw.output_config) ? raw.output_config.format : undefined;
  if (isObject(format) && format.type === 'json_schema' && isObject(format.schema)) {
    body.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: format.schema, strict: true } };
  }
}

/**
 * An Anthropic Messages request → the chat body the pipeline takes, with what could not
 * be carried. Throws only for what TokenHub itself must read (model, max_tokens, stream,
 * the list of messages).
 */
export function translateAnthropicRequest(raw: unknown, opts: { countOnly?: boolean } = {}): InboundTranslation {
  if (!isObject(raw)) throw invalidRequest(`The request body must be a JSON object, got ${typeName(raw)}`);
  if (typeof raw.model !== 'string' || raw.model.trim() === '') throw invalidRequest('model: Field required', 'model');
  checkModelName(raw.model);
  if (!opts.countOnly && (typeof raw.max_tokens !== 'number' || raw.max_tokens < 1)) {
    throw invalidRequest('max_tokens: Field required (a positive integer)', 'max_tokens');
  }
  if (raw.stream != null && typeof raw.stream !== 'boolean') throw invalidRequest('stream: Input should be a valid boolean', 'stream');
  const t = new Translation();
  const body: OpenAIBody = markTranslated({ model: raw.model, messages: chatMessages(raw.system, raw.messages, t) });
  if (typeof raw.max_tokens === 'number') body.max_tokens = raw.max_tokens;
  if (raw.stream === true) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  if (Array.isArray(raw.stop_sequences) && raw.stop_sequences.length > 0) body.stop = raw.stop_sequences;
  if (typeof raw.temperature === 'number') body.temperature = raw.temperature;
  if (typeof raw.top_p === 'number') body.top_p = raw.top_p;
  // OpenAI takes `user` up to 64 characters; Claude Code's user_id is a longer JSON string, only a label, so it is left out.
  const userId = isObject(raw.metadata) ? raw.metadata.user_id : undefined;
  if (typeof userId === 'string' && userId.length <= 64) body.user = userId;
  else if (typeof userId === 'string') t.dropped.push('metadata.user_id');
  const tools = chatTools(raw.tools, t);
  if (tools) {
    body.tools = tools;
    Object.assign(body, t.try(() => toOpenAIToolChoice(raw.tool_choice)));
  }
  reasoning(raw, body);
  for (const key of Object.keys(raw)) if (!READ.has(key)) t.dropped.push(key);
  return { body, dropped: t.dropped, ...(t.refusal ? { refusal: t.refusal } : {}) };
}

/** The chat body alone, refusing what cannot be translated (for callers that always translate). */
export function toOpenAIRequest(raw: unknown, opts: { countOnly?: boolean } = {}): OpenAIBody {
  const { body, refusal } = translateAnthropicRequest(raw, opts);
  if (refusal && !opts.countOnly) throw refusal;
  return body;
}
