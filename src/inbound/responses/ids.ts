/**
 * Ids of Responses objects and items, and the carrier for Anthropic thinking blocks.
 * Ids derive from the gateway's request id, so a response can be found in the usage
 * records, and the streamed and non-streamed forms of one answer agree.
 */
import { isObject, type Json } from '../../providers/openai-shape.js';

const base = (requestId: string): string => requestId.replace(/^req_/, '');

export const responseIdFor = (requestId: string): string => `resp_${base(requestId)}`;

/**
 * A Responses answer's own id, read from its JSON text: OpenAI writes it first
 * (`{"id":"resp_…"`), and then a scan is certain; otherwise the answer is parsed.
 * undefined when the answer has no string id.
 */
export function answerId(text: string): string | undefined {
  const m = /^\s*\{\s*"id"\s*:\s*"([^"\\]*)"/.exec(text);
  if (m) return m[1];
  try {
    const answer: unknown = JSON.parse(text);
    return isObject(answer) && typeof answer.id === 'string' ? answer.id : undefined;
  } catch {
    return undefined;
  }
}

/** An output item's id: `msg_…`, `rs_…`, `fc_…`, `ctc_…` and its position in the output. */
export const itemIdFor = (prefix: string, responseId: string, index: number): string => `${prefix}_${responseId.replace(/^resp_/, '')}${index}`;

/** The response an output item id of TokenHub's names (request ids are 20 base62 characters), if it is one. */
export function responseIdOfItem(itemId: string): string | null {
  const m = /^(?:msg|rs|fc|ctc)_([0-9A-Za-z]{20})\d+$/.exec(itemId);
  return m ? `resp_${m[1]}` : null;
}

/**
 * A reasoning item's `encrypted_content` is opaque to clients, who send it back in the
 * next turn. TokenHub puts the provider's signed thinking blocks there (Anthropic
 * rejects a tool-use turn whose thinking lost its signature), tagged so that only
 * its own are read back.
 */
const TAG = 'tokenhub.thinking.v1:';

export function encodeThinking(blocks: unknown): string | undefined {
  if (!Array.isArray(blocks) || blocks.length === 0) return undefined;
  return TAG + Buffer.from(JSON.stringify(blocks)).toString('base64');
}

export function decodeThinking(encrypted: unknown): Json[] | undefined {
  if (typeof encrypted !== 'string' || !encrypted.startsWith(TAG)) return undefined;
  try {
    const blocks: unknown = JSON.parse(Buffer.from(encrypted.slice(TAG.length), 'base64').toString('utf8'));
    return Array.isArray(blocks) ? blocks.filter(isObject) : undefined;
  } catch {
    return undefined;
  }
}
