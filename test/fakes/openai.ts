/**
 * A fake OpenAI server on loopback that speaks the real wire format (JSON bodies, SSE
 * framing, the usage chunk, error envelopes) and can be told to misbehave.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenLoopback, readRequest, type RecordedRequest } from './http.js';
import {
  chatChunks,
  chatCompletion,
  embeddingList,
  openAIError,
  sendJson,
  sseFrame,
  startSse,
  textChunks,
  textCompletion,
  type WireUsage,
} from './openai-wire.js';

export type { RecordedRequest };

export interface FakeReply {
  /** a non-2xx status answered with an OpenAI error envelope (or `errorBody`) */
  status?: number;
  errorBody?: unknown;
  headers?: Record<string, string>;
  /** the generated text, streamed one piece per chunk */
  pieces?: string[];
  usage?: WireUsage | null;
  finish?: string;
  /** ms before the response headers */
  delayMs?: number;
  /** ms between streamed chunks */
  chunkDelayMs?: number;
  /** write the SSE bytes in slices of this size, to split events at awkward places */
  sliceBytes?: number;
  fault?: 'reset-before-headers' | 'reset-mid-stream' | 'hang-mid-stream' | 'malformed-json';
  /** answer these bytes verbatim (a recorded fixture), JSON or SSE by the content type */
  raw?: { contentType: string; body: string };
  /** stream this many events, then wait for `until` before sending the rest */
  holdAfter?: { events: number; until: Promise<void> };
}

export interface FakeOpenAI {
  /** base URL including /v1 */
  url: string;
  requests: RecordedRequest[];
  /** requests whose client (the gateway) hung up before the response ended */
  aborted: number;
  setReply(fn: (req: RecordedRequest) => FakeReply): void;
  close(): Promise<void>;
}

export const DEFAULT_PIECES = ['Hello', ' from', ' the', ' fake'];
export const DEFAULT_USAGE: WireUsage = { prompt_tokens: 13, completion_tokens: 4, cached_tokens: 0 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function writeSliced(res: ServerResponse, text: string, slice: number | undefined): Promise<void> {
  if (!slice) {
    res.write(text);
    return;
  }
  for (let i = 0; i < text.length; i += slice) {
    res.write(text.slice(i, i + slice));
    await sleep(1);
  }
}

export async function startFakeOpenAI(initial?: (req: RecordedRequest) => FakeReply): Promise<FakeOpenAI> {
  let replyFor: (req: RecordedRequest) => FakeReply = initial ?? (() => ({}));
  const fake: FakeOpenAI = {
    url: '',
    requests: [],
    aborted: 0,
    setReply: (fn) => {
      replyFor = fn;
    },
    close: async () => {},
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const recorded = await readRequest(req);
    fake.requests.push(recorded);
    res.on('close', () => {
      if (!res.writableFinished) fake.aborted++;
    });
    const reply = replyFor(recorded);
    if (reply.delayMs) await sleep(reply.delayMs);
    if (reply.fault === 'reset-before-headers') {
      req.socket.destroy();
      return;
    }
    if (reply.status && reply.status >= 400) {
      sendJson(res, reply.status, reply.errorBody ?? openAIError(`fake error ${reply.status}`, 'server_error'), reply.headers);
      return;
    }
    if (reply.raw) {
      res.writeHead(200, { 'content-type': reply.raw.contentType });
      // sliceBytes cuts the recorded bytes anywhere, inside multi-byte characters too
      const bytes = Buffer.from(reply.raw.body, 'utf8');
      const slice = reply.sliceBytes ?? bytes.length;
      for (let i = 0; i < bytes.length; i += slice) {
        res.write(bytes.subarray(i, i + slice));
        if (reply.sliceBytes) await sleep(1);
      }
      res.end();
      return;
    }
    if (reply.fault === 'malformed-json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "broken", "choices": [');
      return;
    }
    const model = String(recorded.body.model ?? 'unknown');
    const pieces = reply.pieces ?? DEFAULT_PIECES;
    const usage = reply.usage === undefined ? DEFAULT_USAGE : reply.usage;
    const id = `chatcmpl-fake${fake.requests.length}`;
    if (recorded.path === '/v1/embeddings') {
      const inputs = Array.isArray(recorded.body.input) ? recorded.body.input.map(String) : [String(recorded.body.input)];
      sendJson(res, 200, embeddingList(model, inputs), reply.headers);
      return;
    }
    const isChat = recorded.path === '/v1/chat/completions';
    if (recorded.body.stream !== true) {
      const u = usage ?? { prompt_tokens: 0, completion_tokens: 0 };
      const body = isChat ? chatCompletion(id, model, pieces.join(''), u, reply.finish) : textCompletion(id, model, pieces.join(''), u, reply.finish);
      if (usage === null) delete (body as { usage?: unknown }).usage;
      sendJson(res, 200, body, reply.headers);
      return;
    }
    const wantsUsage = (recorded.body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const events = (isChat ? chatChunks : textChunks)(id, model, pieces, wantsUsage && usage ? usage : null, reply.finish);
    startSse(res);
    for (let i = 0; i < events.length; i++) {
      if (res.destroyed) return;
      if (reply.fault === 'reset-mid-stream' && i === 2) {
        req.socket.destroy();
        return;
      }
      if (reply.fault === 'hang-mid-stream' && i === 2) return;
      if (reply.holdAfter && i === reply.holdAfter.events) await reply.holdAfter.until;
      await writeSliced(res, sseFrame(events[i]!), reply.sliceBytes);
      if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
    }
    res.end(sseFrame('[DONE]'));
  };

  const server = await listenLoopback(handle);
  fake.url = `${server.origin}/v1`;
  fake.close = server.close;
  return fake;
}
