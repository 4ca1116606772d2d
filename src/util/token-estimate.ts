/**
 * The one token estimator and the one walk over a prompt. Every count TokenHub makes
 * without a provider's own (planning, tpm, count_tokens, a stream that reported no
 * usage) and every budget bound reads a prompt through `measurePrompt`.
 */
import type { Operation } from '../providers/types.js';

/** About four characters a token for English text and code: good enough to plan and to bill a stream that reported nothing. */
export const CHARS_PER_TOKEN = 4;

export function estimateTokens(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Content parts that are images: their size says nothing of their tokens (a data URL's length least of all). */
const IMAGE_TYPES = new Set(['image_url', 'input_image', 'image']);
/** Nesting beyond any real prompt is not walked. */
const MAX_DEPTH = 32;

export interface PromptSize {
  /** characters of text (UTF-16 code units, as the estimate has always counted) */
  chars: number;
  /** UTF-8 bytes of the same text: a BPE token covers at least one byte, so this bounds its tokens */
  bytes: number;
  /** numbers (a token each at most) */
  numbers: number;
  images: number;
  /** objects (messages, content parts, tools…), each with a few formatting tokens */
  objects: number;
}

/** The parts of a request that are prompt: messages and tools, a completion prompt, an embedding input. */
export function promptOf(op: Operation, body: Record<string, unknown>): unknown {
  return op === 'chat' ? [body.messages, body.tools] : op === 'completions' ? body.prompt : body.input;
}

/** One pass over the prompt's values (the `type` tags are structure, not text). */
export function measurePrompt(op: Operation, body: Record<string, unknown>): PromptSize {
  const size: PromptSize = { chars: 0, bytes: 0, numbers: 0, images: 0, objects: 0 };
  const walk = (v: unknown, depth: number): void => {
    if (typeof v === 'string') {
      size.chars += v.length;
      size.bytes += Buffer.byteLength(v, 'utf8');
      return;
    }
    if (typeof v === 'number') {
      size.numbers++;
      return;
    }
    if (depth > MAX_DEPTH || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    if (typeof o.type === 'string' && IMAGE_TYPES.has(o.type)) {
      size.images++;
      return;
    }
    size.objects++;
    for (const k in o) if (k !== 'type') walk(o[k], depth + 1);
  };
  walk(promptOf(op, body), 0);
  return size;
}
