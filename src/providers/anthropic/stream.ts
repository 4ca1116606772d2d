/**
 * Anthropic's streaming events (https://docs.anthropic.com/en/api/messages-streaming)
 * → OpenAI `chat.completion.chunk` (or legacy `text_completion`) payloads.
 *
 * message_start          → nothing yet (id and input usage kept); the role rides on the
 *                          first real delta, so an error event before any content leaves
 *                          the stream unsent and the gateway can still fail over
 * content_block_start    → text: its text, if any; tool_use: the tool call's first delta
 *                          (index, id, type, name, arguments ''); redacted_thinking:
 *                          thinking_blocks [the block]
 * content_block_delta    → text_delta: content; input_json_delta: arguments;
 *                          thinking_delta: reasoning_content; signature_delta: kept
 * content_block_stop     → thinking: thinking_blocks [{type, thinking (all of it),
 *                          signature}], so the client can send the block back; tool
 *                          call without arguments: '{}'
 * message_delta          → finish_reason, output usage
 * message_stop           → the usage chunk (choices: []) when the client asked for it
 * ping, citations       → nothing
 * error                  → an OpenAI error payload, and error() reports it
 */
import { unreadableEvent, type SseEvent } from '../../upstream/sse.js';
import type { Operation, RequestContext, StreamTranslator, Target, Usage } from '../types.js';
import { JSON_TOOL } from './json-mode.js';
import { anthropicErrorEnvelope, finishReasonFor, openAIUsage, usageFromAnthropic } from './response.js';

type Json = Record<string, unknown>;

export function parseAnthropicEvent(event: SseEvent): Json | null {
  if (event.data === '' || event.data === '[DONE]') return null;
  try {
    const parsed = JSON.parse(event.data) as unknown;
    if (!parsed || typeof parsed !== 'object') return null;
    const obj = parsed as Json;
    // The `event:` line and the payload's `type` agree; trust the payload, fall back to the line.
    if (typeof obj.type !== 'string' && event.event) obj.type = event.event;
    return obj;
  } catch {
    return null;
  }
}

/**
 * A text_delta event as Anthropic sends it, whose text has no escapes or control
 * characters: the text between the quotes is the string a parse would give, and
 * JSON.stringify gives back the same quoted text. Any other shape is parsed.
 */
const TEXT_DELTA = /^\{"type":"content_block_delta","index":\d+,"delta":\{"type":"text_delta","text":"([^"\\\x00-\x1f]*)"\}\}$/;

export class AnthropicStreamTranslator implements StreamTranslator {
  private id: string;
  private rawUsage: Json = {};
  private sawUsage = false;
  private chars = 0;
  private failure: { message: string; type?: string } | null = null;
  /** content block index → OpenAI tool_calls index, for tool_use blocks */
  private readonly toolIndex = new Map<number, number>();
  private readonly toolHasArgs = new Set<number>();
  /** content block index → the thinking block being streamed (text and signature so far) */
  private readonly thinking = new Map<number, { thinking: string; signature: string }>();
  /** the content block index of response_format's forced tool, if it came */
  private jsonBlock: number | undefined;
  private usageSent = false;
  private finished = false;
  private roleSent = false;
  private stopped = false;
  /** a text chunk's JSON up to its text (text(): the id, created and model do not change after message_start) */
  private textPrefix: string | undefined;

  constructor(
    private readonly op: Operation,
    private readonly target: Target,
    private readonly ctx: RequestContext,
  ) {
    this.id = `msg_${ctx.requestId}`;
  }

  push(event: SseEvent): string[] {
    if (this.failure) return [];
    // Most events of a long answer: more text, read by a pattern rather than a parse (see TEXT_DELTA).
    const text = TEXT_DELTA.exec(event.data)?.[1];
    if (text !== undefined) return this.text(text);
    const unreadable = event.data !== '' && event.data !== '[DONE]' ? unreadableEvent(event.data) : undefined;
    if (unreadable) return this.fail({ type: 'api_error', message: unreadable });
    const data = parseAnthropicEvent(event);
    if (!data) return [];
    switch (data.type) {
      case 'message_start':
        return this.onMessageStart(data.message as Json | undefined);
      case 'content_block_start':
        return this.onBlockStart(Number(data.index), (data.content_block ?? {}) as Json);
      case 'content_block_delta':
        return this.onBlockDelta(Number(data.index), (data.delta ?? {}) as Json);
      case 'content_block_stop':
        return this.onBlockStop(Number(data.index));
      case 'message_delta':
        return this.onMessageDelta((data.delta ?? {}) as Json, data.usage);
      case 'message_stop':
        this.stopped = true;
        return this.usageChunk();
      case 'error':
        return this.fail(data.error);
      default:
        return []; // ping, and event types added after this was written
    }
  }

  /** A provider error (or an unreadable event) as the OpenAI error chunk the client's SDK raises. */
  private fail(error: unknown): string[] {
    const envelope = anthropicErrorEnvelope(error, 'provider error in stream');
    const e = envelope.error as { message: string; type: string };
    this.failure = { message: e.message, type: e.type };
    return [JSON.stringify(envelope)];
  }

  /** message_stop arrived: the stream is whole (one that ends without it was cut short) */
  complete(): boolean {
    return this.stopped;
  }

  end(): string[] {
    // A stream cut before message_stop still owes the client its usage chunk.
    return this.finished ? this.usageChunk() : [];
  }

  usage(): Usage | null {
    return this.sawUsage ? usageFromAnthropic(this.rawUsage) : null;
  }

  outputChars(): number {
    return this.chars;
  }

  error(): { message: string; type?: string } | null {
    return this.failure;
  }

  private mergeUsage(u: unknown): void {
    if (!u || typeof u !== 'object') return;
    this.sawUsage = true;
    // message_delta's counts are cumulative, so later values replace earlier ones.
    for (const [k, v] of Object.entries(u as Json)) if (typeof v === 'number') this.rawUsage[k] = v;
  }

  private onMessageStart(message: Json | undefined): string[] {
    if (message && typeof message.id === 'string') this.id = message.id;
    this.textPrefix = undefined;
    this.mergeUsage(message?.usage);
    return [];
  }

  private onBlockStart(index: number, block: Json): string[] {
    if (block.type === 'text') return typeof block.text === 'string' && block.text !== '' ? this.text(block.text) : [];
    if (this.op !== 'chat') return [];
    if (block.type === 'thinking') {
      this.thinking.set(index, { thinking: String(block.thinking ?? ''), signature: String(block.signature ?? '') });
      return typeof block.thinking === 'string' && block.thinking !== '' ? [this.chunk({ reasoning_content: block.thinking })] : [];
    }
    if (block.type === 'redacted_thinking') return [this.chunk({ thinking_blocks: [block] })];
    if (block.type !== 'tool_use') return [];
    if (block.name === JSON_TOOL) {
      // response_format's forced tool (json-mode.ts): its input streams as the text
      this.jsonBlock = index;
      return [];
    }
    const toolIndex = this.toolIndex.size;
    this.toolIndex.set(index, toolIndex);
    const name = String(block.name ?? '');
    this.chars += name.length;
    return [this.chunk({ tool_calls: [{ index: toolIndex, id: block.id, type: 'function', function: { name, arguments: '' } }] })];
  }

  private onBlockDelta(index: number, delta: Json): string[] {
    if (delta.type === 'text_delta' && typeof delta.text === 'string') return this.text(delta.text);
    if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') {
      if (index === this.jsonBlock) return delta.partial_json === '' ? [] : this.text(delta.partial_json);
      const toolIndex = this.toolIndex.get(index);
      if (toolIndex === undefined || delta.partial_json === '') return [];
      this.toolHasArgs.add(toolIndex);
      this.chars += delta.partial_json.length;
      return [this.chunk({ tool_calls: [{ index: toolIndex, function: { arguments: delta.partial_json } }] })];
    }
    const thinking = this.thinking.get(index);
    if (thinking && delta.type === 'thinking_delta' && typeof delta.thinking === 'string') {
      thinking.thinking += delta.thinking;
      this.chars += delta.thinking.length;
      return delta.thinking === '' ? [] : [this.chunk({ reasoning_content: delta.thinking })];
    }
    if (thinking && delta.type === 'signature_delta' && typeof delta.signature === 'string') thinking.signature += delta.signature;
    return []; // citations_delta and deltas added after this was written
  }

  private onBlockStop(index: number): string[] {
    const thinking = this.thinking.get(index);
    if (thinking) {
      this.thinking.delete(index);
      return [this.chunk({ thinking_blocks: [{ type: 'thinking', ...thinking }] })];
    }
    const toolIndex = this.toolIndex.get(index);
    if (toolIndex === undefined || this.toolHasArgs.has(toolIndex)) return [];
    // A tool without parameters streams no input_json_delta; '' would not parse as JSON.
    this.toolHasArgs.add(toolIndex);
    return [this.chunk({ tool_calls: [{ index: toolIndex, function: { arguments: '{}' } }] })];
  }

  private onMessageDelta(delta: Json, usage: unknown): string[] {
    this.mergeUsage(usage);
    if (delta.stop_reason == null) return [];
    this.finished = true;
    const finish = this.jsonBlock !== undefined && delta.stop_reason === 'tool_use' ? 'stop' : finishReasonFor(delta.stop_reason);
    return [this.chunk({}, finish)];
  }

  private text(text: string): string[] {
    this.chars += text.length;
    if (this.op !== 'chat' || !this.roleSent) return [this.chunk({ content: text })];
    // One per streamed token: what chunk() makes, from a template with only the text serialised.
    this.textPrefix ??= `{"id":${JSON.stringify(this.id)},"created":${this.ctx.created},"model":${JSON.stringify(this.target.servedAs)},"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":`;
    return [`${this.textPrefix}${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}]}`];
  }

  private chunk(delta: Json, finishReason: string | null = null): string {
    const base = { id: this.id, created: this.ctx.created, model: this.target.servedAs };
    if (this.op === 'completions') {
      const text = typeof delta.content === 'string' ? delta.content : '';
      return JSON.stringify({ ...base, object: 'text_completion', choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason }] });
    }
    if (!this.roleSent) {
      this.roleSent = true;
      delta = { role: 'assistant', ...delta };
    }
    return JSON.stringify({
      ...base,
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    });
  }

  private usageChunk(): string[] {
    if (this.usageSent || !this.ctx.clientWantsUsage) return [];
    const usage = this.usage();
    if (!usage) return [];
    this.usageSent = true;
    const object = this.op === 'completions' ? 'text_completion' : 'chat.completion.chunk';
    return [JSON.stringify({ id: this.id, object, created: this.ctx.created, model: this.target.servedAs, choices: [], usage: openAIUsage(usage) })];
  }
}
