import type { ModelConfig } from '../config/schema.js';
import type { Operation, Usage } from '../providers/types.js';
import { estimateTokens, measurePrompt } from '../util/token-estimate.js';

export { estimateTokens } from '../util/token-estimate.js';

const TYPICAL_COMPLETION_TOKENS = 256;
/** A typical image's tokens (a low-detail tile): roughly fixed whatever its URL's length. */
const TYPICAL_IMAGE_TOKENS = 85;

/** The prompt's tokens as a typical tokenizer would count them: to plan, for tpm and count_tokens. */
export function estimatePromptTokens(op: Operation, body: Record<string, unknown>): number {
  const size = measurePrompt(op, body);
  return estimateTokens(size.chars) + size.images * TYPICAL_IMAGE_TOKENS;
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
  const writes1h = Math.min(writes, usage.cacheWrite1hTokens ?? 0);
  const writePrice = info.cache_write ?? input;
  const uncached = Math.max(0, usage.promptTokens - usage.cachedTokens - writes);
  const writeCost = (writes - writes1h) * writePrice + writes1h * (info.cache_write_1h ?? writePrice);
  const inputCost = uncached * input + usage.cachedTokens * cachedPrice + writeCost;
  return (inputCost + usage.completionTokens * (info.output ?? 0)) / 1e6;
}
