import type { ModelConfig } from '../config/schema.js';
import type { Operation, Usage } from '../providers/types.js';

/** About four characters a token for English text and code: good enough to plan and to bill a stream that reported nothing. */
const CHARS_PER_TOKEN = 4;
const TYPICAL_COMPLETION_TOKENS = 256;

function textChars(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) {
    let n = 0;
    for (const v of value) n += textChars(v);
    return n;
  }
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    // an image costs roughly a fixed amount whatever its URL's length
    if (o.type === 'image_url') return 85 * CHARS_PER_TOKEN;
    let n = 0;
    for (const k in o) if (k !== 'type') n += textChars(o[k]);
    return n;
  }
  return 0;
}

export function estimateTokens(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

export function estimatePromptTokens(op: Operation, body: Record<string, unknown>): number {
  const source = op === 'chat' ? [body.messages, body.tools] : op === 'completions' ? body.prompt : body.input;
  return estimateTokens(textChars(source));
}

export function expectedCompletionTokens(op: Operation, body: Record<string, unknown>, info: ModelConfig | null): number {
  if (op === 'embeddings') return 0;
  const requested = body.max_completion_tokens ?? body.max_tokens;
  if (typeof requested === 'number' && requested > 0) return requested;
  return Math.min(TYPICAL_COMPLETION_TOKENS, info?.max_output ?? TYPICAL_COMPLETION_TOKENS);
}

/** USD for what was used, from config prices per million tokens; null when the model has no price. */
export function costOf(info: ModelConfig | null, usage: Usage): number | null {
  if (!info || (info.input === undefined && info.output === undefined)) return null;
  const input = info.input ?? 0;
  const cachedPrice = info.cached_input ?? input;
  const writes = usage.cacheWriteTokens ?? 0;
  const uncached = Math.max(0, usage.promptTokens - usage.cachedTokens - writes);
  const inputCost = uncached * input + usage.cachedTokens * cachedPrice + writes * (info.cache_write ?? input);
  return (inputCost + usage.completionTokens * (info.output ?? 0)) / 1e6;
}
