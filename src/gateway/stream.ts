/**
 * Relays a provider's stream to the client as OpenAI SSE, chunk by chunk as it
 * arrives: nothing is buffered beyond one upstream chunk. The relay commits only once
 * the provider has produced something to send, so a provider that fails before its
 * first event can still be failed over. Exactly one usage record is written, whether
 * the stream ends, breaks, or the client hangs up (which aborts the upstream at once).
 */
import { errorBody, GatewayError, sseErrorFrame } from '../errors.js';
import type { StreamTranslator, Target } from '../providers/types.js';
import { SSE_DONE, SseDecoder, sseData } from '../upstream/sse.js';
import type { HealthSettings, RouterHealth } from '../router/health.js';
import { describeUpstreamError, failureKind, UpstreamTimeout, type UpstreamResponse } from '../upstream/client.js';
import type { RequestLedger } from './ledger.js';
import type { GatewayDeps, SseRelay, StreamEncoder } from './types.js';

export type { SseRelay, StreamEncoder } from './types.js';
import type { AbortHandle } from '../upstream/abort.js';
import { BodyChunks } from '../upstream/body-chunks.js';
import { estimateTokens } from './tokens.js';
import { credentialsOf, scrubCredentials } from '../util/scrub.js';
import { coarseDelay } from '../util/clock.js';

export interface RelayInput {
  deps: GatewayDeps;
  ledger: RequestLedger;
  translator: StreamTranslator;
  /** the translator returns whole SSE frames in the client's own protocol (native): no `data:` wrapping, no [DONE] */
  raw: boolean;
  target: Target;
  res: UpstreamResponse;
  abort: AbortHandle;
  promptEstimate: number;
  /** performance.now() by which the whole stream must have ended */
  deadlineAt: number;
  health: RouterHealth;
  settings: HealthSettings;
}

export type Relay = { ok: true; relay: SseRelay } | { ok: false; error: string; cause: unknown };

const encoder = new TextEncoder();

/** The provider closed its stream without the protocol's last event: the answer is cut short. */
class TruncatedStream extends Error {
  constructor() {
    super('the provider ended the stream without its final event (truncated)');
  }
}

/** The provider closed a 200 stream before sending a single event: nothing to relay, so fail over. */
class EmptyStream extends Error {
  constructor() {
    super('the provider ended the stream before any event');
  }
}

/**
 * An encoder from an inbound protocol's writer, which turns each OpenAI chunk into its
 * own frames. A break goes to the writer as OpenAI's error chunk, then the writer ends.
 */
export function writerEncoder(writer: { push(chunk: string): string[]; end(): string[] }, onEnd?: () => void): StreamEncoder {
  const end = (): string => {
    const text = writer.end().join('');
    onEnd?.();
    return text;
  };
  return {
    push: (chunk) => writer.push(chunk).join(''),
    end,
    error: (err) => writer.push(errorBody(err)).join('') + end(),
  };
}

/** OpenAI chat-completions SSE: `data: <chunk>` each, `data: [DONE]` at the end. */
const chatSse: StreamEncoder = { push: sseData, end: () => SSE_DONE, error: sseErrorFrame };

/** A native stream: the provider's frames as they are; breaks in the protocol's own error frame. */
const rawFrames = (translator: StreamTranslator): StreamEncoder => ({
  push: (frame) => frame,
  end: () => '',
  error: (err) => translator.errorFrame?.(err) ?? sseErrorFrame(err),
});

/** What one read gives: payloads to send now (frames, for a chat client), and whether they are the last. */
interface Piece {
  payloads: string[];
  last: boolean;
}

/**
 * The client asked for usage (stream_options.include_usage) and the provider sent none:
 * the usage TokenHub counted, as OpenAI's last chunk (empty choices) would carry it.
 */
function countedUsageChunk(input: RelayInput, usage: { promptTokens: number; completionTokens: number }): string {
  return JSON.stringify({
    id: `chatcmpl-${input.ledger.input.requestId}`,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model: input.target.servedAs,
    choices: [],
    usage: { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.promptTokens + usage.completionTokens },
  });
}

/**
 * How a relay's reads fill `out`: `payloads` for a route's encoder (a translated stream);
 * `chat`, SSE frames for a chat client; `raw`, a native stream's frames, which its
 * translator gives already framed.
 */
export type ReadMode = 'payloads' | 'chat' | 'raw';

/** One payload as `out` holds it in a mode: a chat client's SSE frame, else as it is. */
const inMode = (mode: ReadMode, payload: string): string => (mode === 'chat' ? sseData(payload) : payload);

/**
 * One upstream chunk's events into `out`. In the `chat` and `raw` modes, wherever the
 * chunk starts at an event boundary, runs of frames the translator passes as they are go
 * through whole (StreamTranslator.pushFrames); otherwise, and for what it leaves, event
 * by event. Returns the events read.
 */
export function readChunk(chunk: Uint8Array, decoder: SseDecoder, translator: StreamTranslator, mode: ReadMode, out: string[]): number {
  let text = decoder.decode(chunk);
  let events = 0;
  const take = (part: string) => {
    for (const ev of decoder.pushText(part)) {
      events++;
      for (const p of translator.push(ev)) out.push(inMode(mode, p));
    }
  };
  // A route's encoder takes payloads one event at a time; \r ends a line too: such text goes event by event
  if (mode === 'payloads' || !translator.pushFrames || text.indexOf('\r') >= 0) {
    take(text);
    return events;
  }
  // Runs where the translator takes them; between runs, one event at a time (an event may change what it takes: content starts).
  for (;;) {
    if (decoder.atEventStart()) {
      const run = translator.pushFrames(text);
      if (run.events > 0) {
        out.push(run.frames);
        events += run.events;
        text = text.slice(run.used);
      }
    }
    const end = text.indexOf('\n\n');
    if (end < 0 || end + 2 === text.length) break;
    take(text.slice(0, end + 2));
    text = text.slice(end + 2);
  }
  take(text);
  return events;
}

export async function openRelay(input: RelayInput): Promise<Relay> {
  const { ledger, target, res, abort, promptEstimate } = input;
  const { translator } = input;
  let encoder: StreamEncoder = input.raw ? rawFrames(translator) : chatSse;
  /**
   * A client of the chat protocol itself (no route translates its stream: the usage
   * record's endpoint is the operation's own) gets frames as they are read; every other
   * client's payloads wait for the route's encoder (encodeWith), set after this returns.
   */
  const mode: ReadMode = input.raw ? 'raw' : ledger.input.endpoint === undefined ? 'chat' : 'payloads';
  const encode = (piece: Piece): string => {
    let text = '';
    if (mode === 'chat') for (const p of piece.payloads) text += p;
    else for (const p of piece.payloads) text += encoder.push(p);
    return piece.last ? text + encoder.end() : text;
  };
  const decoder = new SseDecoder();
  let events = 0;
  const body = new BodyChunks(res.body);
  let ended = false;
  /** what the usage record will say: the provider's count, or TokenHub's estimate */
  const counted = () => {
    const reported = translator.usage();
    return { reported, promptTokens: reported?.promptTokens ?? promptEstimate, completionTokens: reported?.completionTokens ?? estimateTokens(translator.outputChars()) };
  };
  const so = ledger.input.body.stream_options as { include_usage?: unknown } | undefined;
  const clientWantsUsage = !input.raw && so?.include_usage === true;
  /** The translator's last payloads, plus the counted usage when the client asked and the provider sent none. */
  const ending = (): string[] => {
    const tail = translator.end();
    if (clientWantsUsage && translator.usage() === null) tail.push(countedUsageChunk(input, counted()));
    return tail;
  };

  /**
   * Some providers echo the key they were given in an error's text, and a stream's error
   * event goes to the client, the attempt log and the daemon's log as the provider wrote
   * it: from the piece that holds the error on, credentials are cut out (as from an error
   * answer's body, upstream/client.ts). A stream without an error pays nothing.
   */
  let secrets: string[] | undefined;
  const scrubbed = (text: string): string => scrubCredentials(text, (secrets ??= credentialsOf(target.provider.apiKey, target.provider.headers)));
  const piece = (payloads: string[], last: boolean): Piece => {
    if (translator.error()) for (let i = 0; i < payloads.length; i++) payloads[i] = scrubbed(payloads[i]!);
    return { payloads, last };
  };

  /**
   * Everything the body has buffered, decoded and translated: something to send, or null
   * (nothing yet: wait for more). Synchronous; see BodyChunks.
   */
  const readSome = (): Piece | null => {
    let out: string[] | undefined;
    for (;;) {
      const chunk = body.read();
      if (chunk === undefined) return out === undefined || out.length === 0 ? null : piece(out, false);
      out ??= [];
      if (chunk === null) {
        ended = true;
        for (const ev of decoder.end()) {
          events++;
          for (const p of translator.push(ev)) out.push(inMode(mode, p));
        }
        if (events === 0) throw new EmptyStream();
        // Ended cleanly but without the protocol's terminator ([DONE], message_stop, a finishReason): cut short.
        const terminated = translator.terminated?.() ?? translator.complete?.();
        if (terminated === false && !translator.error()) throw new TruncatedStream();
        for (const p of ending()) out.push(inMode(mode, p));
        return piece(out, true);
      }
      events += readChunk(chunk, decoder, translator, mode, out);
      if (translator.complete?.()) {
        // The provider said it is done: end now, in one write, and let the connection drain for reuse.
        ended = true;
        body.drain();
        for (const p of ending()) out.push(inMode(mode, p));
        return piece(out, true);
      }
    }
  };

  const settle = (status: number, errorCode: string | null, ttfbMs: number | null): void => {
    clearTimeout(timer);
    const { reported, promptTokens, completionTokens } = counted();
    ledger.finish({
      status,
      errorCode,
      target,
      ttfbMs,
      promptTokens,
      completionTokens,
      cachedTokens: reported?.cachedTokens ?? 0,
      cacheWriteTokens: reported?.cacheWriteTokens ?? 0,
      cacheWrite1hTokens: reported?.cacheWrite1hTokens ?? 0,
      reasoningTokens: reported?.reasoningTokens ?? 0,
      usageEstimated: reported === null,
    });
  };

  // The caller's first-byte timer runs until this returns: headers may come at once
  // and the first event much later.
  let timer: NodeJS.Timeout | undefined;
  let first: Piece | null = null;
  try {
    while ((first = readSome()) === null) await body.wait();
  } catch (err) {
    abort.abort();
    res.body.destroy();
    return { ok: false, error: describeUpstreamError(err), cause: err };
  }
  const earlyError = translator.error();
  if (earlyError) {
    abort.abort();
    res.body.destroy();
    return { ok: false, error: `stream error: ${scrubbed(earlyError.message).slice(0, 200)}`, cause: earlyError };
  }
  // Committed: from here on the whole stream has to end by the deadline.
  timer = setTimeout(() => abort.abort(new UpstreamTimeout('TH_DEADLINE')), coarseDelay(input.deadlineAt - performance.now()));
  timer.unref();
  const brokeOff = (err: unknown, why: string) => input.health.brokeOff(target, failureKind(err), why, input.settings);

  let ttfbMs: number | null = null;
  let closed = false;
  let pending: Piece | null = first;
  const finished = () => {
    closed = true;
    const failed = translator.error();
    if (failed) brokeOff(failed, scrubbed(failed.message));
    settle(failed ? 502 : 200, failed ? 'upstream_error' : null, ttfbMs);
  };
  const relay: SseRelay = {
    done() {
      return closed && pending === null;
    },
    encodeWith(e) {
      if (mode === 'chat') throw new Error('a chat client\'s stream is framed as it is read: its encoder cannot change');
      encoder = e;
    },
    async next() {
      if (pending !== null) {
        const piece = pending;
        pending = null;
        ttfbMs = Math.round((performance.now() - ledger.input.startedAt) * 100) / 100;
        if (ended) finished();
        return encode(piece);
      }
      if (closed) return null;
      try {
        // An encoder may hold payloads back (nothing to say yet): read on until it has text.
        for (;;) {
          const piece = readSome();
          if (piece === null) {
            await body.wait();
            if (closed) return null;
            continue;
          }
          if (ended) finished();
          const text = encode(piece);
          if (text !== '' || piece.last) return text;
        }
      } catch (err) {
        if (closed) return null;
        closed = true;
        const why = describeUpstreamError(abort.reason ?? err);
        brokeOff(abort.reason ?? err, why);
        abort.abort();
        settle(502, err instanceof TruncatedStream ? 'upstream_truncated' : 'upstream_error', ttfbMs);
        const error = new GatewayError('upstream_error', `The provider's stream broke off: ${why}`);
        return encoder.error(error);
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
  };
  return { ok: true, relay };
}

/** The relay as a web ReadableStream, for consumers without a Node response (app.request, /v1/messages). */
export function relayToWebStream(relay: SseRelay): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const text = await relay.next();
        if (text === null) controller.close();
        else controller.enqueue(encoder.encode(text));
      },
      cancel() {
        relay.cancel();
      },
    },
    { highWaterMark: 0 },
  );
}
