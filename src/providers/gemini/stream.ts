/**
 * `streamGenerateContent?alt=sse` → OpenAI `chat.completion.chunk` (or legacy
 * `text_completion`) payloads. Every SSE event carries a whole GenerateContentResponse
 * holding the next piece of each candidate; usageMetadata is cumulative and the last
 * one wins; a functionCall arrives whole, so its first delta carries the full arguments.
 */
import { unreadableEvent, type SseEvent } from '../../upstream/sse.js';
import type { Operation, RequestContext, StreamTranslator, Target, Usage } from '../types.js';
import { tagFor } from './ids.js';
import { finishReasonFor, geminiErrorEnvelope, openAIUsage, readParts, usageFromGemini } from './response.js';

type Json = Record<string, unknown>;

interface ChoiceState {
  started: boolean;
  tools: number;
  finished: boolean;
}

export class GeminiStreamTranslator implements StreamTranslator {
  private id: string;
  private readonly tag: string;
  private calls = 0;
  private rawUsage: unknown = null;
  private chars = 0;
  private failure: { message: string; type?: string } | null = null;
  private readonly choices = new Map<number, ChoiceState>();
  private usageSent = false;

  constructor(
    private readonly op: Operation,
    private readonly target: Target,
    private readonly ctx: RequestContext,
  ) {
    this.id = `gen-${ctx.requestId}`;
    this.tag = tagFor(ctx.requestId);
  }

  push(event: SseEvent): string[] {
    if (event.data === '' || event.data === '[DONE]' || this.failure) return [];
    const unreadable = unreadableEvent(event.data);
    let res: Json | undefined;
    try {
      res = unreadable ? undefined : (JSON.parse(event.data) as Json);
    } catch {
      res = undefined;
    }
    // an unreadable event is the provider failing: the client hears so, in the error chunk its SDK raises
    if (!res) res = { error: { code: 502, message: unreadable ?? 'the provider sent an unreadable stream event', status: 'UNAVAILABLE' } };
    if (!res || typeof res !== 'object') return [];
    if (res.error) {
      const envelope = geminiErrorEnvelope(res, 'provider error in stream');
      const e = envelope.error as { message: string; type: string };
      this.failure = { message: e.message, type: e.type };
      return [JSON.stringify(envelope)];
    }
    if (typeof res.responseId === 'string') this.id = res.responseId;
    if (res.usageMetadata) this.rawUsage = res.usageMetadata;
    const out: string[] = [];
    const candidates = (Array.isArray(res.candidates) ? res.candidates : []) as Json[];
    candidates.forEach((c, i) => {
      const chunk = this.candidateChunk(typeof c.index === 'number' ? c.index : i, c);
      if (chunk) out.push(chunk);
    });
    if (candidates.length === 0 && res.promptFeedback && !this.choices.get(0)?.finished) {
      // The prompt itself was blocked: there will be no candidates at all.
      out.push(this.chunk(0, this.op === 'chat' ? { role: 'assistant', content: '' } : {}, 'content_filter'));
      this.choices.set(0, { started: true, tools: 0, finished: true });
    }
    return out;
  }

  /** Gemini sends no closing event: the stream is whole once every candidate has its finishReason. */
  terminated(): boolean {
    if (this.failure || this.choices.size === 0) return this.failure !== null;
    for (const c of this.choices.values()) if (!c.finished) return false;
    return true;
  }

  end(): string[] {
    if (this.usageSent || !this.ctx.clientWantsUsage) return [];
    const usage = this.usage();
    if (!usage) return [];
    this.usageSent = true;
    const object = this.op === 'completions' ? 'text_completion' : 'chat.completion.chunk';
    return [
      JSON.stringify({ id: this.id, object, created: this.ctx.created, model: this.target.servedAs, choices: [], usage: openAIUsage(usage, this.rawUsage) }),
    ];
  }

  usage(): Usage | null {
    return usageFromGemini(this.rawUsage);
  }

  outputChars(): number {
    return this.chars;
  }

  error(): { message: string; type?: string } | null {
    return this.failure;
  }

  private candidateChunk(index: number, c: Json): string | null {
    const state = this.choices.get(index) ?? { started: false, tools: 0, finished: false };
    this.choices.set(index, state);
    const { text, reasoning, toolCalls } = readParts((c.content as Json | undefined)?.parts, this.tag, () => this.calls++);
    const delta: Json = {};
    if (!state.started && this.op === 'chat') delta.role = 'assistant';
    if (reasoning !== '' && this.op === 'chat') delta.reasoning_content = reasoning;
    if (text !== '') delta.content = text;
    if (toolCalls.length > 0 && this.op === 'chat') {
      delta.tool_calls = toolCalls.map((call) => ({ index: state.tools++, ...call }));
    }
    this.chars += text.length + reasoning.length;
    for (const call of toolCalls) this.chars += call.function.name.length + call.function.arguments.length;
    let finish: string | null = null;
    if (c.finishReason && !state.finished) {
      state.finished = true;
      finish = finishReasonFor(c.finishReason, state.tools > 0);
    }
    if (Object.keys(delta).length === 0 && finish === null) return null;
    if (delta.role && delta.content === undefined && !delta.tool_calls && delta.reasoning_content === undefined) delta.content = '';
    state.started = true;
    return this.chunk(index, delta, finish);
  }

  private chunk(index: number, delta: Json, finishReason: string | null): string {
    const base = { id: this.id, created: this.ctx.created, model: this.target.servedAs };
    if (this.op === 'completions') {
      const text = typeof delta.content === 'string' ? delta.content : '';
      return JSON.stringify({ ...base, object: 'text_completion', choices: [{ index, text, logprobs: null, finish_reason: finishReason }] });
    }
    return JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index, delta, logprobs: null, finish_reason: finishReason }] });
  }
}
