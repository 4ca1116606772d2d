/**
 * A fake Gemini API (generativelanguage v1beta) on loopback that speaks the real wire
 * format: `models/{model}:generateContent`, `:streamGenerateContent?alt=sse` (each SSE
 * event a whole GenerateContentResponse, CRLF-framed, usage cumulative), `:batchEmbedContents`,
 * `GET /v1beta/models`, the x-goog-api-key check and google.rpc error bodies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenLoopback, readRequest, type RecordedRequest } from './http.js';

export type { RecordedRequest };

export interface GeminiUsage {
  promptTokenCount: number;
  candidatesTokenCount: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
}

export interface GeminiFunctionCall {
  name: string;
  args: Record<string, unknown>;
  thoughtSignature?: string;
}

export interface GeminiReply {
  /** an error status answered with a google.rpc error body */
  status?: number;
  errorStatus?: string;
  errorMessage?: string;
  /** the text, one SSE event per piece */
  pieces?: string[];
  functionCalls?: GeminiFunctionCall[];
  finishReason?: 'STOP' | 'MAX_TOKENS' | 'SAFETY' | 'RECITATION' | 'OTHER';
  usage?: GeminiUsage;
  sliceBytes?: number;
  /** answer these bytes verbatim (a recorded fixture), JSON or SSE by the content type */
  raw?: { contentType: string; body: string };
}

export interface FakeGemini {
  /** base URL without /v1beta: the adapter's paths carry it */
  url: string;
  requests: RecordedRequest[];
  setReply(fn: (req: RecordedRequest) => GeminiReply): void;
  close(): Promise<void>;
}

export const GEMINI_DEFAULT_PIECES = ['Hello', ' from', ' Gemini'];
export const GEMINI_DEFAULT_USAGE: GeminiUsage = { promptTokenCount: 17, candidatesTokenCount: 6, thoughtsTokenCount: 3 };
export const GEMINI_MODELS = ['gemini-2.5-flash', 'text-embedding-004'];

const STATUS_BY_CODE: Record<number, string> = {
  400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED',
};
const ROUTE = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|embedContent|batchEmbedContents)$/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const googleError = (code: number, message: string, status = STATUS_BY_CODE[code] ?? 'UNKNOWN') => ({ error: { code, message, status } });

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(body));
}

function usageMetadata(u: GeminiUsage, share = 1): Record<string, number> {
  const candidates = Math.round(u.candidatesTokenCount * share);
  const thoughts = u.thoughtsTokenCount ?? 0;
  const out: Record<string, number> = {
    promptTokenCount: u.promptTokenCount,
    candidatesTokenCount: candidates,
    totalTokenCount: u.promptTokenCount + candidates + thoughts,
  };
  if (u.cachedContentTokenCount) out.cachedContentTokenCount = u.cachedContentTokenCount;
  if (thoughts) out.thoughtsTokenCount = thoughts;
  return out;
}

function callParts(calls: GeminiFunctionCall[]): Record<string, unknown>[] {
  return calls.map((c) => ({ functionCall: { name: c.name, args: c.args }, ...(c.thoughtSignature ? { thoughtSignature: c.thoughtSignature } : {}) }));
}

/** Whole-response candidates, one per candidateCount. */
function candidates(count: number, parts: Record<string, unknown>[], finishReason: string | undefined): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, index) => ({ content: { parts, role: 'model' }, ...(finishReason ? { finishReason } : {}), index }));
}

/** The GenerateContentResponse objects a stream sends: text piece by piece, calls whole, usage growing. */
export function geminiStreamResponses(model: string, reply: GeminiReply, responseId: string, count = 1): Record<string, unknown>[] {
  const pieces = reply.pieces ?? (reply.functionCalls ? [] : GEMINI_DEFAULT_PIECES);
  const usage = reply.usage ?? GEMINI_DEFAULT_USAGE;
  const steps: Record<string, unknown>[][] = pieces.map((text) => [{ text }]);
  if (reply.functionCalls) steps.push(callParts(reply.functionCalls));
  if (steps.length === 0) steps.push([{ text: '' }]);
  return steps.map((parts, i) => {
    const last = i === steps.length - 1;
    return {
      candidates: candidates(count, parts, last ? (reply.finishReason ?? 'STOP') : undefined),
      usageMetadata: usageMetadata(usage, (i + 1) / steps.length),
      modelVersion: model,
      responseId,
    };
  });
}

export async function startFakeGemini(initial?: (req: RecordedRequest) => GeminiReply): Promise<FakeGemini> {
  let replyFor: (req: RecordedRequest) => GeminiReply = initial ?? (() => ({}));
  const fake: FakeGemini = { url: '', requests: [], setReply: (fn) => void (replyFor = fn), close: async () => {} };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const recorded = await readRequest(req);
    const url = { searchParams: recorded.query };
    fake.requests.push(recorded);
    if (!req.headers['x-goog-api-key'] && !url.searchParams.get('key')) {
      sendJson(res, 403, googleError(403, "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."));
      return;
    }
    if (recorded.method === 'GET' && recorded.path === '/v1beta/models') {
      const models = GEMINI_MODELS.map((id) => ({
        name: `models/${id}`,
        displayName: id,
        supportedGenerationMethods: id.includes('embedding') ? ['embedContent', 'batchEmbedContents'] : ['generateContent', 'countTokens'],
      }));
      sendJson(res, 200, { models });
      return;
    }
    const route = ROUTE.exec(recorded.path);
    if (recorded.method !== 'POST' || !route) {
      sendJson(res, 404, googleError(404, `Method not found: ${recorded.path}`));
      return;
    }
    const [, model, method] = route as unknown as [string, string, string];
    const reply = replyFor(recorded);
    if (reply.status && reply.status >= 400) {
      sendJson(res, reply.status, googleError(reply.status, reply.errorMessage ?? 'Internal error encountered.', reply.errorStatus));
      return;
    }
    if (reply.raw) {
      res.writeHead(200, { 'content-type': reply.raw.contentType });
      res.end(reply.raw.body);
      return;
    }
    if (method === 'batchEmbedContents') {
      const requests = (recorded.body.requests ?? []) as { content: { parts: { text: string }[] } }[];
      const embeddings = requests.map((r) => {
        const t = r.content.parts.map((p) => p.text).join('');
        return { values: [t.length / 100, 0.25, -0.5, 0.125] };
      });
      sendJson(res, 200, { embeddings });
      return;
    }
    if (!Array.isArray(recorded.body.contents) || recorded.body.contents.length === 0) {
      sendJson(res, 400, googleError(400, '* GenerateContentRequest.contents: contents is not specified\n'));
      return;
    }
    const count = Number(recorded.body.generationConfig?.candidateCount ?? 1);
    const responseId = `fakeResp${fake.requests.length}`;
    const responses = geminiStreamResponses(model, reply, responseId, count);
    if (method === 'generateContent') {
      const parts = responses.flatMap((r) => ((r.candidates as any[])[0].content.parts as Record<string, unknown>[]));
      const textParts = parts.filter((p) => typeof p.text === 'string' && p.text !== '');
      const merged = [...(textParts.length ? [{ text: textParts.map((p) => p.text).join('') }] : []), ...parts.filter((p) => p.functionCall)];
      const final = responses.at(-1)!;
      sendJson(res, 200, { ...final, candidates: candidates(count, merged, reply.finishReason ?? 'STOP') });
      return;
    }
    if (url.searchParams.get('alt') !== 'sse') {
      // Without alt=sse the API streams one JSON array; the gateway should never ask for that.
      sendJson(res, 200, responses);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const r of responses) {
      if (res.destroyed) return;
      const bytes = Buffer.from(`data: ${JSON.stringify(r)}\r\n\r\n`, 'utf8');
      const slice = reply.sliceBytes ?? bytes.length;
      for (let i = 0; i < bytes.length; i += slice) res.write(bytes.subarray(i, i + slice));
      await sleep(1);
    }
    res.end();
  };

  const server = await listenLoopback(handle);
  fake.url = server.origin;
  fake.close = server.close;
  return fake;
}
