/**
 * Tool-call ids that survive the round trip through an OpenAI client.
 *
 * Gemini's functionCall usually has no id, yet OpenAI clients need one to answer with
 * a `tool` message; and Gemini 3 models reject a replayed functionCall without the
 * `thoughtSignature` they sent with it. So the id we hand out carries both: Gemini's
 * own id (or a synthesized `call_<tag>_<n>`) and, after `__ts_`, the signature.
 * The client returns the id verbatim, and the request builder unpacks it.
 */

const SIGNATURE_MARK = '__ts_';
const SYNTHESIZED = /^call_[A-Za-z0-9]+_\d+$/;

/**
 * Google's documented stand-in for a functionCall whose signature is unknown (history
 * written by another model or client), so validation does not fail the request.
 */
export const SKIP_SIGNATURE = 'skip_thought_signature_validator';

export function tagFor(requestId: string): string {
  const tag = requestId.replace(/[^A-Za-z0-9]/g, '').slice(-12);
  return tag === '' ? 'th' : tag;
}

export function encodeToolCallId(tag: string, n: number, geminiId: unknown, signature: unknown): string {
  const base = typeof geminiId === 'string' && geminiId !== '' ? geminiId : `call_${tag}_${n}`;
  return typeof signature === 'string' && signature !== '' ? `${base}${SIGNATURE_MARK}${signature}` : base;
}

export interface DecodedToolCallId {
  /** the id Gemini gave the call, to send back; undefined when we made one up */
  geminiId: string | undefined;
  signature: string | undefined;
}

export function decodeToolCallId(id: string): DecodedToolCallId {
  const mark = id.indexOf(SIGNATURE_MARK);
  const base = mark < 0 ? id : id.slice(0, mark);
  const signature = mark < 0 ? undefined : id.slice(mark + SIGNATURE_MARK.length) || undefined;
  return { geminiId: SYNTHESIZED.test(base) || base === '' ? undefined : base, signature };
}
