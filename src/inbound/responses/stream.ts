/**
 * The pipeline's chat.completion.chunk stream → the Responses API's typed events
 * (https://platform.openai.com/docs/api-reference/responses-streaming), each with its
 * `event:` line and a `sequence_number`:
 *
 * first chunk             → response.created, response.in_progress
 * delta.reasoning_content → output_item.added (reasoning), reasoning_summary_part.added, reasoning_summary_text.delta
 * delta.content           → output_item.added (message), content_part.added, output_text.delta
 * delta.tool_calls[i] new → output_item.added (function_call / custom_tool_call)
 * function.arguments      → function_call_arguments.delta (a custom tool's raw input comes whole at the end)
 * [DONE] / end            → the .done events of every open item, then response.completed
 *                           (response.incomplete when the token limit cut it) with the full Response
 * data: {"error": …}      → response.failed, and nothing after it
 *
 * A kind of output starting closes the text or reasoning item before it; tool calls stay
 * open to the end, since providers may send a late fragment of an earlier call.
 */
import { isObject, parseChunk, type Json } from '../../providers/openai-shape.js';
import { usageFromOpenAI } from '../../providers/openai/index.js';
import type { Usage } from '../../providers/types.js';
import { itemIdFor } from './ids.js';
import { buildResponse, endState, messageItem, outputText, reasoningItem, reasoningTokensOf, responsesUsage, toolCallItem, type ResponseMeta } from './response.js';

interface OpenItem {
  index: number;
  id: string;
  kind: 'message' | 'reasoning' | 'tool';
  text: string;
  thinking?: Json[];
  tool?: { callId: string; name: string; custom: boolean };
}

/** Anthropic thinking arrives as partial blocks (text, then the signature): joined back into whole blocks. */
function mergeThinking(into: Json[], blocks: unknown[]): void {
  for (const b of blocks) {
    if (!isObject(b)) continue;
    const last = into.at(-1);
    if (b.type === 'thinking' && last?.type === 'thinking' && last.signature === undefined) {
      last.thinking = String(last.thinking ?? '') + String(b.thinking ?? '');
      if (b.signature !== undefined) last.signature = b.signature;
    } else into.push({ ...b });
  }
}

export interface ResponsesStreamOptions extends ResponseMeta {
  /** prompt tokens as estimated before sending, used until the provider reports usage */
  promptEstimate: number;
}

export class ResponsesEventWriter {
  private seq = 0;
  private started = false;
  private finished = false;
  private model: unknown;
  private readonly output: (Json | OpenItem)[] = [];
  private current: OpenItem | null = null;
  /** chat tool_calls index → its open item */
  private readonly tools = new Map<number, OpenItem>();
  private finishReason: unknown = null;
  private usage: Usage | null = null;
  private reasoningTokens = 0;
  private chars = 0;
  private result: Json | null = null;

  constructor(private readonly opts: ResponsesStreamOptions) {}

  /** The final Response once the stream completed (null while running, or when it failed). */
  final(): Json | null {
    return this.result;
  }

  private frame(type: string, data: Json): string {
    return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: this.seq++, ...data })}\n\n`;
  }

  /** One SSE `data:` payload of the chat stream → Responses frames to send now. */
  push(data: string): string[] {
    if (this.finished) return [];
    if (data === '[DONE]') return this.end();
    const chunk = parseChunk(data);
    if (!chunk) return [];
    if (isObject(chunk.error)) return this.fail(chunk.error);
    const out = this.start(chunk.model);
    if (chunk.usage) {
      this.usage = usageFromOpenAI(chunk.usage);
      this.reasoningTokens = reasoningTokensOf(chunk.usage);
    }
    const choice = Array.isArray(chunk.choices) ? chunk.choices.find((c) => isObject(c) && (c.index ?? 0) === 0) : undefined;
    if (!isObject(choice)) return out;
    const delta = isObject(choice.delta) ? choice.delta : {};
    const reasoning = typeof delta.reasoning_content === 'string' ? delta.reasoning_content : delta.reasoning;
    if (typeof reasoning === 'string' && reasoning !== '') out.push(...this.reasoning(reasoning));
    if (Array.isArray(delta.thinking_blocks) && delta.thinking_blocks.length > 0) {
      if (this.current?.kind !== 'reasoning') out.push(...this.open('reasoning'));
      mergeThinking((this.current!.thinking ??= []), delta.thinking_blocks);
    }
    if (typeof delta.content === 'string' && delta.content !== '') out.push(...this.text(delta.content));
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) if (isObject(call)) out.push(...this.toolCall(call));
    if (typeof choice.finish_reason === 'string') this.finishReason = choice.finish_reason;
    return out;
  }

  /** The stream ended: every open item's .done events, then the whole Response (once). */
  end(): string[] {
    if (this.finished) return [];
    const out = this.start(undefined);
    out.push(...this.closeCurrent());
    for (const item of this.tools.values()) out.push(...this.close(item));
    this.finished = true;
    const usage = this.usage ?? { promptTokens: this.opts.promptEstimate, completionTokens: Math.ceil(this.chars / 4), cachedTokens: 0 };
    const state = endState(this.finishReason);
    this.result = buildResponse(this.opts, { ...state, model: this.model, output: this.output as Json[], usage: responsesUsage(usage, this.reasoningTokens) });
    out.push(this.frame(state.status === 'completed' ? 'response.completed' : 'response.incomplete', { response: this.result }));
    return out;
  }

  private start(model: unknown): string[] {
    if (typeof model === 'string') this.model = model;
    if (this.started) return [];
    this.started = true;
    const response = buildResponse(this.opts, { status: 'in_progress', model: this.model, output: [], usage: null });
    return [this.frame('response.created', { response }), this.frame('response.in_progress', { response })];
  }

  private fail(error: Json): string[] {
    const out = this.start(undefined);
    this.finished = true;
    const code = typeof error.code === 'string' ? error.code : typeof error.type === 'string' ? error.type : 'server_error';
    const message = typeof error.message === 'string' ? error.message : 'the provider failed mid-stream';
    const response = buildResponse(this.opts, { status: 'failed', model: this.model, output: [], usage: null, error: { code, message } });
    out.push(this.frame('response.failed', { response }));
    return out;
  }

  private open(kind: 'message' | 'reasoning', tool?: OpenItem['tool']): string[] {
    const out = kind === 'message' || kind === 'reasoning' ? this.closeCurrent() : [];
    const index = this.output.length;
    const prefix = kind === 'message' ? 'msg' : 'rs';
    const item: OpenItem = { index, id: itemIdFor(prefix, this.opts.id, index), kind, text: '', ...(tool ? { tool } : {}) };
    this.output.push(item);
    this.current = item;
    if (kind === 'message') {
      out.push(this.frame('response.output_item.added', { output_index: index, item: messageItem(item.id, '', 'in_progress') }));
      out.push(this.frame('response.content_part.added', { item_id: item.id, output_index: index, content_index: 0, part: outputText('') }));
    } else {
      out.push(this.frame('response.output_item.added', { output_index: index, item: { id: item.id, type: 'reasoning', summary: [] } }));
    }
    return out;
  }

  private reasoning(text: string): string[] {
    this.chars += text.length;
    const out = this.current?.kind === 'reasoning' ? [] : this.open('reasoning');
    const item = this.current!;
    const at = { item_id: item.id, output_index: item.index, summary_index: 0 };
    if (item.text === '') out.push(this.frame('response.reasoning_summary_part.added', { ...at, part: { type: 'summary_text', text: '' } }));
    item.text += text;
    out.push(this.frame('response.reasoning_summary_text.delta', { ...at, delta: text }));
    return out;
  }

  private text(text: string): string[] {
    this.chars += text.length;
    const out = this.current?.kind === 'message' ? [] : this.open('message');
    const item = this.current!;
    item.text += text;
    out.push(this.frame('response.output_text.delta', { item_id: item.id, output_index: item.index, content_index: 0, delta: text, logprobs: [] }));
    return out;
  }

  private toolCall(call: Json): string[] {
    const n = typeof call.index === 'number' ? call.index : 0;
    const fn = isObject(call.function) ? call.function : {};
    const out: string[] = [];
    let item = this.tools.get(n);
    if (!item) {
      out.push(...this.closeCurrent());
      const name = typeof fn.name === 'string' ? fn.name : '';
      const index = this.output.length;
      const callId = typeof call.id === 'string' ? call.id : `call_${this.opts.id.slice(5)}${index}`;
      const tool = { callId, name, custom: this.opts.customTools.has(name) };
      item = { index, id: '', kind: 'tool', text: '', tool };
      const added = toolCallItem(this.opts.id, index, callId, name, '', tool.custom, 'in_progress', this.opts.namespaced);
      item.id = added.id as string;
      this.output.push(item);
      this.tools.set(n, item);
      this.chars += name.length;
      out.push(this.frame('response.output_item.added', { output_index: index, item: added }));
    }
    const args = fn.arguments;
    if (typeof args === 'string' && args !== '') {
      this.chars += args.length;
      item.text += args;
      if (!item.tool!.custom) out.push(this.frame('response.function_call_arguments.delta', { item_id: item.id, output_index: item.index, delta: args }));
    }
    return out;
  }

  private closeCurrent(): string[] {
    const item = this.current;
    this.current = null;
    return item ? this.close(item) : [];
  }

  /** An item's .done events; its finished form replaces it in the output. */
  private close(item: OpenItem): string[] {
    const out: string[] = [];
    const at = { item_id: item.id, output_index: item.index };
    let done: Json;
    if (item.kind === 'message') {
      out.push(this.frame('response.output_text.done', { ...at, content_index: 0, text: item.text, logprobs: [] }));
      out.push(this.frame('response.content_part.done', { ...at, content_index: 0, part: outputText(item.text) }));
      done = messageItem(item.id, item.text, 'completed');
    } else if (item.kind === 'reasoning') {
      if (item.text !== '') {
        out.push(this.frame('response.reasoning_summary_text.done', { ...at, summary_index: 0, text: item.text }));
        out.push(this.frame('response.reasoning_summary_part.done', { ...at, summary_index: 0, part: { type: 'summary_text', text: item.text } }));
      }
      done = reasoningItem(item.id, item.text, item.thinking);
    } else {
      const { callId, name, custom } = item.tool!;
      done = toolCallItem(this.opts.id, item.index, callId, name, item.text, custom, 'completed', this.opts.namespaced);
      if (custom) {
        out.push(this.frame('response.custom_tool_call_input.delta', { ...at, delta: done.input }));
        out.push(this.frame('response.custom_tool_call_input.done', { ...at, input: done.input }));
      } else out.push(this.frame('response.function_call_arguments.done', { ...at, name: done.name, arguments: item.text }));
    }
    this.output[item.index] = done;
    out.push(this.frame('response.output_item.done', { output_index: item.index, item: done }));
    return out;
  }
}
