/**
 * The pipeline's OpenAI chat.completion.chunk stream → Anthropic's streaming events
 * (https://docs.anthropic.com/en/api/messages-streaming), the reverse of stream.ts:
 *
 * first chunk               → message_start (input usage estimated until the end)
 * delta.reasoning_content   → content_block_start (thinking) once, then thinking_delta
 * delta.thinking_blocks[i]  → signature_delta and content_block_stop of the open thinking
 *                             block (or a whole thinking / redacted_thinking block)
 * delta.content             → content_block_start (text) once, then text_delta
 * delta.tool_calls[i] new   → content_block_stop of the open block, content_block_start (tool_use);
 *                             while another call streams, held whole until that one ends
 * function.arguments        → input_json_delta
 * finish_reason / usage     → kept for the end
 * [DONE]                    → content_block_stop, message_delta (stop_reason, usage), message_stop
 * data: {"error": …}        → an `error` event, and nothing after it
 *
 * Every frame carries its `event:` line: the Anthropic SDKs skip frames without one.
 */
import { usageFromOpenAI } from '../../providers/openai/index.js';
import { endOfString, findKey, hasError, hasUsage } from '../../providers/openai/json-scan.js';
import type { Usage } from '../../providers/types.js';
import { parseChunk } from '../../providers/openai-shape.js';
import { isObject } from '../../providers/anthropic/blocks.js';
import { anthropicErrorFromOpenAI } from './response.js';
import { anthropicUsage, stopReasonFor } from '../../providers/anthropic/tables.js';
import { estimateTokens } from '../../util/token-estimate.js';

type Json = Record<string, unknown>;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

export const anthropicFrame = (type: string, data: Json = {}): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

/**
 * A content_block_delta frame carrying one string (text_delta's text, thinking_delta's
 * thinking, input_json_delta's partial_json): the same bytes as anthropicFrame, from a
 * template with only the string serialised. There is one per streamed token.
 */
export const deltaFrame = (index: number, type: 'text_delta' | 'thinking_delta' | 'input_json_delta', field: 'text' | 'thinking' | 'partial_json', value: string): string =>
  `event: content_block_delta\ndata: {"type":"content_block_delta","index":${index},"delta":{"type":"${type}","${field}":${JSON.stringify(value)}}}\n\n`;


export interface AnthropicStreamOptions {
  /** the message id (messageIdFor(requestId)) */
  id: string;
  /** the model to name until a chunk names the one that served */
  model: string;
  /** prompt tokens as estimated before sending, used until the provider reports usage */
  promptEstimate: number;
}

export class AnthropicEventWriter {
  private started = false;
  private finished = false;
  private nextIndex = 0;
  /** the block being streamed: its index, its kind, and for tool_use the OpenAI tool_calls index */
  private open: { index: number; kind: 'text' | 'thinking' | 'tool'; tool?: number } | null = null;
  /** OpenAI tool_calls index → content block index */
  private readonly toolBlocks = new Map<number, number>();
  /**
   * Calls that started while another call's block was still streaming, held whole until
   * that block ends: a provider may interleave parallel calls' fragments, and Anthropic
   * streams one block at a time, so a late fragment must still find its call unsent.
   */
  private readonly heldCalls = new Map<number, { id: string; name: string; args: string }>();
  private stopReason: string | null = null;
  private usage: Usage | null = null;
  private chars = 0;

  constructor(private readonly opts: AnthropicStreamOptions) {}

  /** One SSE `data:` payload of the OpenAI stream → Anthropic frames to send now. */
  push(data: string): string[] {
    if (this.finished) return [];
    if (data === '[DONE]') return this.end();
    const more = this.moreText(data);
    if (more !== undefined) return [more];
    const chunk = parseChunk(data);
    if (!chunk) return [];
    if (isObject(chunk.error)) return this.fail(chunk);
    const out = this.start(chunk.model);
    const usage = usageFromOpenAI(chunk.usage);
    if (usage) this.usage = usage;
    const choice = Array.isArray(chunk.choices) ? chunk.choices.find((c) => isObject(c) && (c.index ?? 0) === 0) : undefined;
    if (!isObject(choice)) return out;
    const delta = isObject(choice.delta) ? choice.delta : {};
    const reasoning = delta.reasoning_content ?? delta.reasoning;
    if (typeof reasoning === 'string' && reasoning !== '') out.push(...this.reasoning(reasoning));
    if (Array.isArray(delta.thinking_blocks)) for (const block of delta.thinking_blocks) if (isObject(block)) out.push(...this.thinkingBlock(block));
    if (typeof delta.content === 'string' && delta.content !== '') out.push(...this.text(delta.content));
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) if (isObject(call)) out.push(...this.toolCall(call));
    if (typeof choice.finish_reason === 'string') this.stopReason = stopReasonFor(choice.finish_reason);
    return out;
  }

  /**
   * Most chunks of a long answer only carry more text for the open text block: one choice
   * (index 0) whose delta is `{"content":"…"}`, no finish_reason, usage or error. Such a
   * chunk's frame is made from its text as it came, read by a scan, without parsing the
   * chunk and serialising the text again; the text must have no escapes or control
   * characters, so it is the text the parse and JSON.stringify would give. undefined for
   * every other chunk (push parses it).
   */
  private moreText(data: string): string | undefined {
    if (this.open?.kind !== 'text') return undefined;
    const delta = findKey(data, '"delta"');
    if (delta === null || !data.startsWith('{"content":"', delta.value)) return undefined;
    const start = delta.value + 11;
    const end = endOfString(data, start);
    if (end < 0 || data.charCodeAt(end) !== 125 || end - start < 3) return undefined;
    for (let i = start + 1; i < end - 1; i++) {
      const c = data.charCodeAt(i);
      if (c === 92 || c < 32) return undefined;
    }
    // one choice, index 0, unfinished; nothing else the parse would read
    if (findKey(data, '"delta"', end) !== null || hasUsage(data) || hasError(data)) return undefined;
    const index = findKey(data, '"index"');
    if (index !== null && (!data.startsWith('0', index.value) || isDigit(data.charCodeAt(index.value + 1)) || findKey(data, '"index"', index.value) !== null)) return undefined;
    const finish = findKey(data, '"finish_reason"');
    if (finish !== null && !data.startsWith('null', finish.value)) return undefined;
    this.chars += end - start - 2;
    return `event: content_block_delta\ndata: {"type":"content_block_delta","index":${this.open.index},"delta":{"type":"text_delta","text":${data.slice(start, end)}}}\n\n`;
  }

  /** The stream ended: close the open block and the message (once). */
  end(): string[] {
    if (this.finished) return [];
    const out = this.start(undefined);
    out.push(...this.closeBlock());
    this.finished = true;
    const usage = this.usage ?? { promptTokens: this.opts.promptEstimate, completionTokens: estimateTokens(this.chars), cachedTokens: 0 };
    out.push(anthropicFrame('message_delta', { delta: { stop_reason: this.stopReason ?? 'end_turn', stop_sequence: null }, usage: anthropicUsage(usage) }));
    out.push(anthropicFrame('message_stop'));
    return out;
  }

  private start(model: unknown): string[] {
    if (this.started) return [];
    this.started = true;
    const message = {
      id: this.opts.id,
      type: 'message',
      role: 'assistant',
      model: typeof model === 'string' ? model : this.opts.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: this.opts.promptEstimate, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    };
    return [anthropicFrame('message_start', { message }), anthropicFrame('ping')];
  }

  private fail(chunk: Json): string[] {
    this.finished = true;
    const out = this.start(undefined);
    const status = typeof chunk.status === 'number' ? chunk.status : 500;
    return [...out, anthropicFrame('error', { error: (anthropicErrorFromOpenAI(status, chunk) as { error: Json }).error })];
  }

  private closeBlock(): string[] {
    if (!this.open) return [];
    const index = this.open.index;
    this.open = null;
    const out = [anthropicFrame('content_block_stop', { index })];
    // The streaming call is done: the held ones follow, each whole.
    for (const [tool, call] of this.heldCalls) {
      const at = this.nextIndex++;
      this.toolBlocks.set(tool, at);
      out.push(anthropicFrame('content_block_start', { index: at, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } }));
      if (call.args !== '') out.push(deltaFrame(at, 'input_json_delta', 'partial_json', call.args));
      out.push(anthropicFrame('content_block_stop', { index: at }));
    }
    this.heldCalls.clear();
    return out;
  }

  private openBlock(block: Json, tool?: number): string[] {
    const out = this.closeBlock();
    const index = this.nextIndex++;
    const kind = block.type === 'tool_use' ? 'tool' : block.type === 'text' ? 'text' : 'thinking';
    this.open = tool === undefined ? { index, kind } : { index, kind, tool };
    out.push(anthropicFrame('content_block_start', { index, content_block: block }));
    return out;
  }

  private text(text: string): string[] {
    this.chars += text.length;
    const out = this.open?.kind === 'text' ? [] : this.openBlock({ type: 'text', text: '' });
    out.push(deltaFrame(this.open!.index, 'text_delta', 'text', text));
    return out;
  }

  private reasoning(text: string): string[] {
    this.chars += text.length;
    const out = this.open?.kind === 'thinking' ? [] : this.openBlock({ type: 'thinking', thinking: '', signature: '' });
    out.push(deltaFrame(this.open!.index, 'thinking_delta', 'thinking', text));
    return out;
  }

  /**
   * A whole thinking block (what an Anthropic provider's stream sends when a thinking
   * block ends): its signature closes the thinking streamed so far, or the block is
   * sent whole when none was.
   */
  private thinkingBlock(block: Json): string[] {
    if (block.type === 'redacted_thinking') {
      const out = this.openBlock({ type: 'redacted_thinking', data: String(block.data ?? '') });
      return [...out, ...this.closeBlock()];
    }
    if (block.type !== 'thinking') return [];
    const out: string[] = [];
    if (this.open?.kind !== 'thinking') {
      out.push(...this.openBlock({ type: 'thinking', thinking: '', signature: '' }));
      const text = String(block.thinking ?? '');
      if (text !== '') out.push(deltaFrame(this.open!.index, 'thinking_delta', 'thinking', text));
    }
    if (typeof block.signature === 'string' && block.signature !== '') {
      out.push(anthropicFrame('content_block_delta', { index: this.open!.index, delta: { type: 'signature_delta', signature: block.signature } }));
    }
    return [...out, ...this.closeBlock()];
  }

  private toolCall(call: Json): string[] {
    const tool = typeof call.index === 'number' ? call.index : 0;
    const fn = isObject(call.function) ? call.function : {};
    const out: string[] = [];
    const args = typeof fn.arguments === 'string' ? fn.arguments : '';
    this.chars += args.length;
    const held = this.heldCalls.get(tool);
    if (held) {
      held.args += args;
      return out;
    }
    let index = this.toolBlocks.get(tool);
    if (index === undefined) {
      const name = typeof fn.name === 'string' ? fn.name : '';
      const id = typeof call.id === 'string' ? call.id : `toolu_${this.opts.id.slice(4)}_${tool}`;
      this.chars += name.length;
      if (this.open?.tool !== undefined) {
        this.heldCalls.set(tool, { id, name, args });
        return out;
      }
      out.push(...this.openBlock({ type: 'tool_use', id, name, input: {} }, tool));
      index = this.open!.index;
      this.toolBlocks.set(tool, index);
    }
    // (a fragment for a block already stopped, after text came between, still names its own block)
    if (args !== '') out.push(deltaFrame(index, 'input_json_delta', 'partial_json', args));
    return out;
  }
}
