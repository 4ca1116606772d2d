/**
 * What the /v1/responses route needs for native passthrough: the body a provider that
 * speaks Responses gets, and a relay that keeps the final Response for the store.
 */
import { GatewayError } from '../../errors.js';
import type { StreamEncoder } from '../../gateway/stream.js';
import { isObject, type Json } from '../../providers/openai-shape.js';
import { decodeThinking } from './ids.js';

/**
 * The client's body for the provider. previous_response_id names a response TokenHub
 * stored (the provider may never have seen it, or another provider served it), so the
 * stored conversation is sent as input instead. Items from a translated turn lose their
 * TokenHub ids, and reasoning the provider cannot verify (TokenHub's carrier) is left out.
 */
export function nativeBody(raw: Json, history: Json[], input: Json[]): Json {
  if (history.length === 0) return raw;
  const past = history.flatMap((item): Json[] => {
    if (item.type === 'reasoning') return typeof item.encrypted_content === 'string' && !decodeThinking(item.encrypted_content) ? [item] : [];
    const { id: _, ...rest } = item;
    return [rest];
  });
  const { previous_response_id: _, ...body } = raw;
  return { ...body, input: [...past, ...input] };
}

/** The number after the last `"sequence_number":` in a frame that has one with digits, else undefined. */
function lastSequenceNumber(frame: string): number | undefined {
  // searched from the end, without the opening quote (quicker to find: see findKey)
  for (let at = frame.lastIndexOf('sequence_number":'); at > 0; at = frame.lastIndexOf('sequence_number":', at - 1)) {
    if (frame.charCodeAt(at - 1) !== 34) continue;
    const m = /^\d+/.exec(frame.slice(at + 17, at + 40));
    if (m) return Number(m[0]);
  }
  return undefined;
}

/**
 * A native stream as is, with two additions: a break the gateway saw goes out as the
 * Responses `error` event (numbered after the provider's last), and, when the answer is
 * to be stored, the final Response is kept (`onFinal`) as it passes. Each payload is one
 * whole frame from the provider, in order: the last sequence number seen is the highest.
 */
export function nativeEncoder(onFinal?: (response: Json) => void): StreamEncoder {
  /** the next sequence number after the provider's last */
  let seq = 0;
  return {
    push(frame) {
      const last = lastSequenceNumber(frame);
      if (last !== undefined) seq = last + 1;
      const at = onFinal ? frame.search(/event: response\.(completed|incomplete)\n/) : -1;
      if (at >= 0) {
        const line = frame.slice(at).split('\n')[1] ?? '';
        try {
          const data = JSON.parse(line.slice(6)) as Json;
          if (isObject(data.response)) onFinal!(data.response);
        } catch {
          // not JSON after all: the response is not stored, the client still gets it
        }
      }
      return frame;
    },
    end: () => '',
    error(err) {
      const event = { type: 'error', sequence_number: seq++, code: err.code, message: err.message, param: null };
      return `event: error\ndata: ${JSON.stringify(event)}\n\n`;
    },
  };
}

export const notFound = (id: string, param: string | null = null): GatewayError =>
  new GatewayError('not_found', `Response with id '${id}' not found.`, param ? { param } : {});
