/**
 * What the /v1/responses route needs for native passthrough: the body a provider that
 * speaks Responses gets, and a relay that keeps the final Response for the store.
 */
import { GatewayError } from '../../errors.js';
import type { SseRelay } from '../../gateway/stream.js';
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

/**
 * A native stream as is, with two exceptions: the gateway's own failure frame (the
 * provider broke off mid-stream, OpenAI-shaped) goes out as the Responses `error`
 * event, and the final Response is kept (`onFinal`) as it passes.
 */
export function nativeRelay(relay: SseRelay, onFinal: (response: Json) => void): SseRelay {
  /** the next sequence number after the provider's last */
  let seq = 0;
  return {
    get done() {
      return relay.done;
    },
    async next() {
      const text = await relay.next();
      if (text === null) return null;
      if (text.startsWith('data: {"error"')) {
        const envelope = JSON.parse(text.slice(6)) as { error?: Json };
        const e = envelope.error ?? {};
        const event = { type: 'error', sequence_number: seq++, code: e.code ?? null, message: String(e.message ?? 'provider error'), param: e.param ?? null };
        return `event: error\ndata: ${JSON.stringify(event)}\n\n`;
      }
      for (const m of text.matchAll(/"sequence_number":(\d+)/g)) seq = Number(m[1]) + 1;
      const at = text.search(/event: response\.(completed|incomplete)\n/);
      if (at >= 0) {
        const line = text.slice(at).split('\n')[1] ?? '';
        try {
          const data = JSON.parse(line.slice(6)) as Json;
          if (isObject(data.response)) onFinal(data.response);
        } catch {
          // a frame split across reads: the response is not stored, the client still gets it
        }
      }
      return text;
    },
    cancel: () => relay.cancel(),
  };
}

export const notFound = (id: string, param: string | null = null): GatewayError =>
  new GatewayError('not_found', `Response with id '${id}' not found.`, param ? { param } : {});
