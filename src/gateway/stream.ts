/**
 * Relays a provider's stream to the client as OpenAI SSE, chunk by chunk as it
 * arrives: nothing is buffered beyond one upstream chunk. The relay commits only once
 * the provider has produced something to send, so a provider that fails before its
 * first event can still be failed over. Exactly one usage record is written, whether
 * the stream ends, breaks, or the client hangs up (which aborts the upstream at once).
 */
import { GatewayError, sseErrorFrame } from '../errors.js';
import type { Operation, ProviderAdapter, RequestContext, StreamTranslator, Target } from '../providers/types.js';
import { SSE_DONE, SseDecoder, sseData } from '../upstream/sse.js';
import type { HealthSettings, RouterHealth } from '../router/health.js';
import { describeUpstreamError, UpstreamTimeout, type UpstreamResponse } from '../upstream/client.js';
import type { GatewayDeps, RequestLedger } from './pipeline.js';
import { estimateTokens } from './tokens.js';

export interface RelayInput {
  deps: GatewayDeps;
  ledger: RequestLedger;
  adapter: ProviderAdapter;
  target: Target;
  ctx: RequestContext;
  res: UpstreamResponse;
  abort: AbortController;
  promptEstimate: number;
  op: Operation;
  /** performance.now() by which the whole stream must have ended */
  deadlineAt: number;
  health: RouterHealth;
  settings: HealthSettings;
}

export type Relay = { ok: true; stream: ReadableStream<Uint8Array> } | { ok: false; error: string; cause: unknown };

const encoder = new TextEncoder();

function frames(payloads: string[]): string {
  let out = '';
  for (const p of payloads) out += sseData(p);
  return out;
}

export async function openRelay(input: RelayInput): Promise<Relay> {
  const { ledger, target, res, abort, promptEstimate } = input;
  const translator: StreamTranslator = input.adapter.streamTranslator(input.op, target, input.ctx);
  const decoder = new SseDecoder();
  const chunks = res.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let ended = false;

  /** Reads upstream until there is something to send (or the upstream ends). */
  const readSome = async (): Promise<string> => {
    for (;;) {
      const next = await chunks.next();
      if (next.done) {
        ended = true;
        const tail: string[] = [];
        for (const ev of decoder.end()) tail.push(...translator.push(ev));
        tail.push(...translator.end());
        return frames(tail) + SSE_DONE;
      }
      const out: string[] = [];
      for (const ev of decoder.push(next.value)) {
        const payloads = translator.push(ev);
        for (const p of payloads) out.push(p);
      }
      if (out.length > 0) return frames(out);
    }
  };

  const settle = (status: number, errorCode: string | null, ttfbMs: number | null): void => {
    clearTimeout(timer);
    const reported = translator.usage();
    ledger.finish({
      status,
      errorCode,
      target,
      ttfbMs,
      promptTokens: reported?.promptTokens ?? promptEstimate,
      completionTokens: reported?.completionTokens ?? estimateTokens(translator.outputChars()),
      cachedTokens: reported?.cachedTokens ?? 0,
      usageEstimated: reported === null,
    });
  };

  // The caller's first-byte timer runs until this returns: headers may come at once
  // and the first event much later.
  let timer: NodeJS.Timeout | undefined;
  let first: string;
  try {
    first = await readSome();
  } catch (err) {
    abort.abort();
    res.body.destroy();
    return { ok: false, error: describeUpstreamError(err), cause: err };
  }
  const earlyError = translator.error();
  if (earlyError) {
    abort.abort();
    res.body.destroy();
    return { ok: false, error: `stream error: ${earlyError.message.slice(0, 200)}`, cause: earlyError };
  }
  // Committed: from here on the whole stream has to end by the deadline.
  timer = setTimeout(() => abort.abort(new UpstreamTimeout('TH_DEADLINE')), Math.max(0, input.deadlineAt - performance.now()));
  timer.unref();
  const brokeOff = (err: unknown, why: string) => input.health.brokeOff(target, err, why, input.settings);

  let ttfbMs: number | null = null;
  let closed = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        ttfbMs = Math.round((performance.now() - ledger.input.startedAt) * 100) / 100;
        controller.enqueue(encoder.encode(first));
        if (ended) {
          closed = true;
          controller.close();
          const failed = translator.error();
          if (failed) brokeOff(failed, failed.message);
          settle(failed ? 502 : 200, failed ? 'upstream_error' : null, ttfbMs);
        }
      },
      async pull(controller) {
        if (closed) return;
        try {
          const text = await readSome();
          if (closed) return;
          controller.enqueue(encoder.encode(text));
          if (ended) {
            closed = true;
            controller.close();
            const failed = translator.error();
            if (failed) brokeOff(failed, failed.message);
            settle(failed ? 502 : 200, failed ? 'upstream_error' : null, ttfbMs);
          }
        } catch (err) {
          if (closed) return;
          closed = true;
          const why = describeUpstreamError(err);
          brokeOff(err, why);
          const failure = new GatewayError('upstream_error', `The provider's stream broke off: ${why}`);
          controller.enqueue(encoder.encode(sseErrorFrame(failure)));
          controller.close();
          abort.abort();
          settle(502, 'upstream_error', ttfbMs);
        }
      },
      cancel() {
        // The client hung up: stop the provider generating tokens nobody will read.
        if (closed) return;
        closed = true;
        abort.abort();
        res.body.destroy();
        settle(499, 'client_closed_request', ttfbMs);
      },
    },
    { highWaterMark: 0 },
  );
  return { ok: true, stream };
}
