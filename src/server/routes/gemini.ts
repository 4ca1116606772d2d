/**
 * Gemini's API inbound (https://ai.google.dev/api): `models/{model}:generateContent`,
 * `:streamGenerateContent`, `:countTokens`, `:embedContent`, `:batchEmbedContents`, and
 * the model list, so Gemini CLI and the Google Gen AI SDKs can use TokenHub. Requests
 * are translated to the OpenAI shape and run through the one pipeline; answers and
 * errors go back in Gemini's shapes.
 */
import { Hono } from 'hono';
import { asGatewayError, errorBody, GatewayError, invalidRequest } from '../../errors.js';
import { RequestLedger } from '../../gateway/ledger.js';
import type { Endpoint } from '../../store/usage.js';
import { checkModelName } from '../../util/identifiers.js';
import { proxyRequest, type GatewayDeps } from '../../gateway/pipeline.js';
import { type StreamEncoder } from '../../gateway/stream.js';
import { estimatePromptTokens } from '../../gateway/tokens.js';
import { isObject, type Json } from '../../providers/openai-shape.js';
import { toChatRequest } from '../../inbound/gemini/request.js';
import { geminiErrorFromOpenAI, isGeminiError, toGenerateContentResponse } from '../../inbound/gemini/response.js';
import { arrayFraming, GeminiResponseWriter, sseFraming, type GeminiFraming } from '../../inbound/gemini/stream.js';
import { readJsonBody } from '../body.js';
import type { AppEnv, Exchange } from '../context.js';
import { proxyInput, sendJson, sendProxyResult } from '../respond.js';
import { protocolErrors, type ErrorShape } from '../middleware/protocol-errors.js';
import type { HotRegister, RequestTarget } from '../hot.js';
import { modelsForKey } from './v1.js';

export interface GeminiDeps {
  gateway: GatewayDeps;
  maxBodyBytes: () => number;
}

/** `…/models/{model}:{method}`: the model may carry slashes (provider/model) and is percent-decoded. */
const METHOD_PATH = /\/models\/(.+):([A-Za-z]+)$/;

export const isGeminiMethodPath = (path: string): boolean => METHOD_PATH.test(path);

/**
 * Rewrites any OpenAI-shaped error answer into Gemini's {"error": {code, message, status}},
 * whoever produced it (key auth, body parsing, the pipeline, a provider's 4xx). Mounted
 * before key auth so its 401s are covered; under /v1 it touches only Gemini method paths.
 */
const geminiErrorShape: ErrorShape = { isOwn: isGeminiError, reshape: (status, parsed) => geminiErrorFromOpenAI(status, parsed) };

export const geminiErrors = (onlyMethodPaths = false) =>
  protocolErrors(
    geminiErrorShape,
    // GET /v1/models/{id} is OpenAI's (and fine-tuned OpenAI ids have colons too)
    (c) => !onlyMethodPaths || (c.req.method === 'POST' && isGeminiMethodPath(c.req.path)),
  );

function modelAndMethod(path: string): { model: string; method: string } {
  const m = METHOD_PATH.exec(path);
  if (!m) throw new GatewayError('not_found', `Unknown endpoint POST ${path}`);
  const model = decodeURIComponent(m[1]!).replace(/^models\//, '');
  return { model: checkModelName(model), method: m[2]! };
}

interface ObjectSource {
  /** one SSE `data:` payload → the GenerateContentResponse objects to send now */
  push(data: string): Json[];
  end(): Json[];
}

/** A native Gemini SSE stream read back into its objects (for a client that wants the JSON array). */
const geminiEvents: ObjectSource = {
  push(data) {
    try {
      const obj = JSON.parse(data) as unknown;
      return isObject(obj) ? [obj] : [];
    } catch {
      return [];
    }
  },
  end: () => [],
};

/**
 * Gemini stream frames from the relay's payloads: OpenAI chunks through the writer
 * (translated), or a native provider's own SSE frames read back into their objects for
 * a client that wants the JSON array. A break ends the stream with Gemini's error object.
 */
function geminiEncoder(source: ObjectSource, framing: GeminiFraming, native: boolean): StreamEncoder {
  let any = false;
  const frame = (objects: Json[]) => objects.map((o) => (any ? framing.next(o) : ((any = true), framing.first(o)))).join('');
  const end = () => frame(source.end()) + framing.close(any);
  return {
    push: (payload) => frame(source.push(native ? payload.replace(/^data: ?/, '').trimEnd() : payload)),
    end,
    error: (err) =>
      (native ? frame([{ error: { code: 502, message: err.message, status: 'UNAVAILABLE' } }]) : frame(source.push(errorBody(err)))) + end(),
  };
}

/** A Content's text for embedding (Gemini embeds the parts' text joined). */
function embedText(content: unknown, where: string): string {
  if (!isObject(content) || !Array.isArray(content.parts)) throw invalidRequest(`${where}: Content with parts is required`, 'content');
  return content.parts.map((p) => (isObject(p) && typeof p.text === 'string' ? p.text : '')).join('');
}

/** A model as Gemini's models.list describes it (https://ai.google.dev/api/models#Model). */
function geminiModel(m: Json): Json {
  const caps = Array.isArray(m.capabilities) ? m.capabilities : ['chat'];
  const methods = caps.includes('embeddings') ? ['embedContent', 'batchEmbedContents'] : ['generateContent', 'streamGenerateContent', 'countTokens'];
  const out: Json = { name: `models/${String(m.id)}`, version: '001', displayName: String(m.id), supportedGenerationMethods: methods };
  if (typeof m.context_window === 'number') out.inputTokenLimit = m.context_window;
  if (typeof m.max_output_tokens === 'number') out.outputTokenLimit = m.max_output_tokens;
  return out;
}

/** `hot` takes the POST method routes for the hot path as well (hot.ts), with Gemini's error shape. */
export function geminiRoutes(deps: GeminiDeps, opts: { listModels: boolean }, hot?: HotRegister): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  /** A request refused before the pipeline (bad body) still leaves its one usage record; the pipeline writes the rest. */
  async function translated<T>(c: Exchange, model: string, endpoint: Endpoint, translate: () => Promise<T>): Promise<T> {
    try {
      return await translate();
    } catch (err) {
      const e = asGatewayError(err);
      const input = { op: endpoint === 'embeddings' ? ('embeddings' as const) : ('chat' as const), endpoint, requestId: c.get('requestId'), startedAt: c.get('startedAt'), key: c.get('key'), body: { model } };
      new RequestLedger(deps.gateway, input).finish({ status: e.status, errorCode: e.code });
      throw err;
    }
  }
  const json = (c: Exchange, body: unknown, status = 200, extra: Record<string, string> = {}) =>
    sendJson(c, status, JSON.stringify(body), extra, 'application/json; charset=UTF-8');

  async function generate(c: Exchange, target: RequestTarget, model: string, stream: boolean) {
    const { raw, body, notes } = await translated(c, model, 'generate_content', async () => {
      const raw = await readJsonBody(c, deps.maxBodyBytes());
      return { raw: raw as Json, ...toChatRequest(raw, model, { stream }) };
    });
    const requestId = c.get('requestId');
    const promptEstimate = estimatePromptTokens('chat', body);
    const native = { protocol: 'gemini' as const, body: raw, action: stream ? 'streamGenerateContent' : 'generateContent', headers: {} };
    const result = await proxyRequest(deps.gateway, proxyInput(c, 'chat', body, { endpoint: 'generate_content', native, untranslatable: notes.refusal }));
    const sse = target.query('alt') === 'sse';
    if (result.native) {
      // A Gemini provider answered in Gemini's own words (its 4xx too): as is, or its SSE reframed as the JSON array.
      if (typeof result.body === 'string' || sse) return sendProxyResult(c, result);
      result.body.encodeWith(geminiEncoder(geminiEvents, arrayFraming, true));
      result.headers['content-type'] = 'application/json; charset=UTF-8';
      return sendProxyResult(c, result);
    }
    if (notes.ignored.length > 0) deps.gateway.log.info('gemini request: fields a translated provider cannot take are dropped', { fields: notes.ignored });
    const headers = result.headers;
    if (typeof result.body === 'string') {
      // a provider's 4xx is an OpenAI envelope here: geminiErrors reshapes it
      if (result.status >= 400) return sendJson(c, result.status, result.body, headers);
      const answer = toGenerateContentResponse(JSON.parse(result.body), {
        includeThoughts: notes.includeThoughts,
        responseId: requestId,
        estimate: { promptTokens: promptEstimate, completionTokens: 0, cachedTokens: 0 },
      });
      return sendJson(c, 200, JSON.stringify(answer), headers, 'application/json; charset=UTF-8');
    }
    const writer = new GeminiResponseWriter({ includeThoughts: notes.includeThoughts, responseId: requestId, model: body.model, promptEstimate });
    result.body.encodeWith(geminiEncoder(writer, sse ? sseFraming : arrayFraming, false));
    headers['content-type'] = sse ? 'text/event-stream' : 'application/json; charset=UTF-8';
    return sendProxyResult(c, result);
  }

  async function countTokens(c: Exchange, model: string) {
    // No provider is asked: an estimate, as the gateway plans and meters with (and as /v1/messages/count_tokens).
    const raw = await readJsonBody(c, deps.maxBodyBytes());
    const inner = isObject(raw) && isObject(raw.generateContentRequest) ? raw.generateContentRequest : raw;
    const { body } = toChatRequest(inner, model);
    return json(c, { totalTokens: estimatePromptTokens('chat', body) });
  }

  /** EmbedContentRequest(s) → an OpenAI embeddings body: the parts' text, one input each. */
  async function embeddingsBody(c: Exchange, model: string, batch: boolean) {
    const raw = await readJsonBody(c, deps.maxBodyBytes());
    if (!isObject(raw)) throw invalidRequest('The request body must be a JSON object');
    let requests: Json[];
    if (batch) {
      if (!Array.isArray(raw.requests) || raw.requests.length === 0) throw invalidRequest('requests: at least one EmbedContentRequest is required', 'requests');
      requests = raw.requests.map((r) => (isObject(r) ? r : ({} as Json)));
    } else requests = [raw];
    const input = requests.map((r, i) => embedText(r.content, batch ? `requests[${i}].content` : 'content'));
    const dims = requests.find((r) => typeof r.outputDimensionality === 'number')?.outputDimensionality;
    return { raw, body: { model, input, encoding_format: 'float', ...(typeof dims === 'number' ? { dimensions: dims } : {}) } };
  }

  async function embed(c: Exchange, model: string, batch: boolean) {
    const { raw, body } = await translated(c, model, 'embeddings', () => embeddingsBody(c, model, batch));
    const native = { protocol: 'gemini' as const, body: raw, action: batch ? 'batchEmbedContents' : 'embedContent', headers: {} };
    const result = await proxyRequest(deps.gateway, proxyInput(c, 'embeddings', body, { native }));
    if (result.native) return sendProxyResult(c, result);
    const text = typeof result.body === 'string' ? result.body : '';
    if (result.status >= 400) return sendJson(c, result.status, text, result.headers);
    const data = (JSON.parse(text) as { data?: { embedding?: unknown; index?: number }[] }).data ?? [];
    const embeddings = data.map((d) => ({ values: Array.isArray(d.embedding) ? d.embedding : [] }));
    return json(c, batch ? { embeddings } : { embedding: embeddings[0] ?? { values: [] } }, 200, result.headers);
  }

  const geminiMethod = async function geminiMethod(c: Exchange, target: RequestTarget) {
    const { model, method } = modelAndMethod(target.path);
    switch (method) {
      case 'generateContent':
        return generate(c, target, model, false);
      case 'streamGenerateContent':
        return generate(c, target, model, true);
      case 'countTokens':
        return countTokens(c, model);
      case 'embedContent':
        return embed(c, model, false);
      case 'batchEmbedContents':
        return embed(c, model, true);
      default:
        throw new GatewayError('not_found', `Method ${method} is not supported through TokenHub`);
    }
  };
  app.post('/models/*', (c) => geminiMethod(c, { path: c.req.path, query: (name) => c.req.query(name) }));
  hot?.('/models/*', { handler: geminiMethod, errors: geminiErrorShape, accepts: isGeminiMethodPath });

  if (opts.listModels) {
    app.get('/models', (c) => json(c, { models: modelsForKey(deps.gateway, c.get('key')).map(geminiModel) }));
    app.get('/models/*', (c) => {
      const id = decodeURIComponent(c.req.path.slice(c.req.path.indexOf('/models/') + '/models/'.length)).replace(/^models\//, '');
      const found = modelsForKey(deps.gateway, c.get('key')).find((m) => m.id === id);
      if (!found) throw new GatewayError('model_not_found', `models/${id} is not found, or this key may not use it`);
      return json(c, geminiModel(found));
    });
  }
  return app;
}
