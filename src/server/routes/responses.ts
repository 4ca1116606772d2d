/**
 * POST /v1/responses and the stored-response endpoints: the OpenAI Responses API
 * inbound, for Codex, the Agents SDK, the AI SDK's default OpenAI provider and
 * `client.responses`. The request is translated to the chat middle representation and
 * runs through the one pipeline (routing, fallbacks, key limits, one usage record with
 * endpoint `responses`); the chat answer is translated back. Errors keep OpenAI's
 * envelope, which is the Responses API's own.
 */
import { Hono, type Context } from 'hono';
import { GatewayError, asGatewayError } from '../../errors.js';
import { proxyRequest, RequestLedger, type GatewayDeps } from '../../gateway/pipeline.js';
import { writerEncoder } from '../../gateway/stream.js';
import { estimatePromptTokens } from '../../gateway/tokens.js';
import { answerId, responseIdFor, responseIdOfItem } from '../../inbound/responses/ids.js';
import { nativeBody, nativeEncoder, notFound } from '../../inbound/responses/native.js';
import { toChatRequest, type ResponsesRequest } from '../../inbound/responses/request.js';
import { toResponse, type ResponseMeta } from '../../inbound/responses/response.js';
import { ResponsesEventWriter } from '../../inbound/responses/stream.js';
import { isObject, type Json } from '../../providers/openai-shape.js';
import { usageFromOpenAI } from '../../providers/openai/index.js';
import type { ResponsesStore, StoredResponse } from '../../store/responses.js';
import { checkModelName } from '../../util/identifiers.js';
import { readJsonBody } from '../body.js';
import type { AppEnv, Exchange } from '../context.js';
import type { HotRegister } from '../hot.js';
import { header } from '../headers.js';
import { proxyInput, sendJson, sendProxyResult } from '../respond.js';
import type { NativeRequest } from '../../providers/types.js';

export interface ResponsesDeps {
  gateway: GatewayDeps;
  maxBodyBytes: () => number;
  /** without a store, `store` is treated as false and previous_response_id finds nothing */
  store?: ResponsesStore | undefined;
}


/** Items get ids when stored, as OpenAI's input_items lists them. */
function withIds(items: Json[], responseId: string, from: number): Json[] {
  return items.map((item, i) => (typeof item.id === 'string' ? item : { id: `msg_${responseId.slice(5)}in${from + i}`, ...item }));
}

/**
 * `item_reference` items that name an item of a response this key stored → the item
 * itself (the AI SDK sends references instead of items when store is on). Others stay
 * for a provider that made them to resolve.
 */
function resolveReferences(raw: unknown, lookup: (responseId: string) => StoredResponse | null | undefined): unknown {
  if (!isObject(raw) || !Array.isArray(raw.input) || !raw.input.some((i) => isObject(i) && i.type === 'item_reference')) return raw;
  const seen = new Map<string, Json[]>();
  const input = raw.input.map((item: unknown) => {
    if (!isObject(item) || item.type !== 'item_reference' || typeof item.id !== 'string') return item;
    const responseId = responseIdOfItem(item.id);
    if (!responseId) return item;
    let items = seen.get(responseId);
    if (!items) {
      const stored = lookup(responseId);
      items = stored ? [...stored.input, ...(Array.isArray(stored.response.output) ? (stored.response.output as Json[]) : [])] : [];
      seen.set(responseId, items);
    }
    return items.find((i) => i.id === item.id) ?? item;
  });
  return { ...raw, input };
}

/** `hot` takes POST /responses for the hot path as well (hot.ts). */
export function responsesRoutes(deps: ResponsesDeps, hot?: HotRegister): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  /**
   * A request refused before it reached the pipeline still leaves its one usage record
   * (the pipeline writes its own for everything after).
   */
  const recordRejected = (c: Exchange, model: unknown, err: unknown) => {
    let named = '';
    try {
      if (typeof model === 'string') named = checkModelName(model);
    } catch {
      // an unusable name is not stored
    }
    const e = asGatewayError(err);
    const input = { op: 'chat' as const, endpoint: 'responses' as const, requestId: c.get('requestId'), startedAt: c.get('startedAt'), key: c.get('key'), body: { model: named } };
    new RequestLedger(deps.gateway, input).finish({ status: e.status, errorCode: e.code });
  };

  /** Codex tries a WebSocket first and falls back to HTTPS when refused: refused at once. */
  app.get('/responses', (c) => {
    const upgrade = (header(c, 'upgrade') ?? '').toLowerCase() === 'websocket';
    const message = upgrade ? 'WebSocket connections are not supported by TokenHub; use HTTP POST /v1/responses' : 'Use POST /v1/responses';
    return c.json(new GatewayError('invalid_request_error', message).toJSON(), upgrade ? 426 : 405);
  });

  const responses = async function responses(c: Exchange) {
    let raw: unknown;
    let req: ResponsesRequest;
    let history: Json[] = [];
    try {
      raw = resolveReferences(await readJsonBody(c, deps.maxBodyBytes()), (id) => deps.store?.get(id, c.get('key').record.id));
      const prev = isObject(raw) ? raw.previous_response_id : undefined;
      if (prev != null) {
        if (typeof prev !== 'string') throw new GatewayError('invalid_request_error', `Invalid type for 'previous_response_id': expected a string`, { param: 'previous_response_id' });
        const stored = deps.store?.get(prev, c.get('key').record.id);
        if (!stored) throw notFound(prev, 'previous_response_id');
        history = [...stored.input, ...(Array.isArray(stored.response.output) ? (stored.response.output as Json[]) : [])];
      }
      req = toChatRequest(raw, history);
    } catch (err) {
      recordRejected(c, isObject(raw) ? raw.model : undefined, err);
      throw err;
    }

    const requestId = c.get('requestId');
    const keyId = c.get('key').record.id;
    const id = responseIdFor(requestId);
    const meta: ResponseMeta = { id, createdAt: Math.floor(Date.now() / 1000), model: req.body.model, customTools: req.customTools, namespaced: req.namespaced, echo: req.echo };
    const promptEstimate = estimatePromptTokens('chat', req.body);
    /**
     * Keeps the answer for previous_response_id and retrieval: queued, written in the store's
     * next window. As JSON text (as the client got it) its id is read from the text unless given.
     */
    const store = (response: Json | string | null | undefined, responseId: unknown = typeof response === 'string' ? answerId(response) : response?.id) => {
      if (!deps.store || !req.store || !response) return;
      const input = withIds([...history, ...req.input], id, 0);
      deps.store.save({ id: typeof responseId === 'string' ? responseId : id, keyId, input, response });
    };

    const native: NativeRequest = { protocol: 'openai-responses', body: nativeBody(raw as Json, history, req.input), headers: {} };
    // Built-in tools: a candidate that translates answers the refusal (400), one that speaks Responses runs them.
    const input = proxyInput(c, 'chat', req.body, { endpoint: 'responses', native, untranslatable: req.refusal });
    const result = await proxyRequest(deps.gateway, input);
    const headers = result.headers;
    if (result.native) {
      // A provider that speaks Responses answered: sent as it came (model renamed), kept for previous_response_id.
      if (typeof result.body !== 'string') {
        // the final Response is read out of the stream only to be kept
        result.body.encodeWith(nativeEncoder(deps.store && req.store ? store : undefined));
        return sendProxyResult(c, result);
      }
      if (result.status < 400) store(result.body); // kept as the client got it, not parsed and re-serialised
      return sendJson(c, result.status, result.body, headers);
    }
    if (typeof result.body === 'string') {
      // a provider's 4xx is already an OpenAI envelope, the Responses API's own
      if (result.status >= 400) return sendJson(c, result.status, result.body, headers);
      const completion: unknown = JSON.parse(result.body);
      const usage = usageFromOpenAI(isObject(completion) ? completion.usage : undefined) ?? { promptTokens: promptEstimate, completionTokens: 0, cachedTokens: 0 };
      const text = JSON.stringify(toResponse(completion, meta, usage));
      store(text, id); // serialised once, for the client and the store
      return sendJson(c, 200, text, headers);
    }
    const writer = new ResponsesEventWriter({ ...meta, promptEstimate });
    result.body.encodeWith(writerEncoder(writer, () => store(writer.final())));
    return sendProxyResult(c, result);
  };
  app.post('/responses', (c) => responses(c));
  hot?.('/responses', { handler: responses });

  const stored = (c: Context<AppEnv>) => {
    const id = c.req.param('id') ?? '';
    const found = deps.store?.get(id, c.get('key').record.id);
    if (!found) throw notFound(id);
    return found;
  };

  app.get('/responses/:id', (c) => c.json(stored(c).response));

  app.get('/responses/:id/input_items', (c) => {
    const found = stored(c);
    const asc = c.req.query('order') === 'asc';
    let data = asc ? found.input : [...found.input].reverse();
    const after = c.req.query('after');
    if (after) data = data.slice(data.findIndex((item) => item.id === after) + 1);
    const limit = Math.min(Math.max(Number(c.req.query('limit') ?? 20) || 20, 1), 100);
    const page = data.slice(0, limit);
    return c.json({ object: 'list', data: page, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null, has_more: data.length > limit });
  });

  app.delete('/responses/:id', (c) => {
    const id = c.req.param('id');
    if (!deps.store?.delete(id, c.get('key').record.id)) throw notFound(id);
    return c.json({ id, object: 'response', deleted: true });
  });

  return app;
}
