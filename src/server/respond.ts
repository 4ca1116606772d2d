/**
 * Writing a gateway result to the client. Under Node a stream is written straight to
 * the socket (strings, backpressure honoured, no web-stream round trip); elsewhere
 * (app.request in tests) it goes through a web ReadableStream.
 */
import type { ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { relayToWebStream, type SseRelay } from '../gateway/stream.js';
import type { ProxyInput, ProxyResult } from '../gateway/pipeline.js';
import type { OpenAIBody, Operation } from '../providers/types.js';
import { header } from './headers.js';
import { AbortHandle } from '../upstream/abort.js';
import { nodeBindings, type Exchange } from './context.js';
import { contextHeaders } from './middleware/request-context.js';
import { checkModelName } from '../util/identifiers.js';
import type { Logger } from '../util/log.js';
import { asGatewayError, errorBody, GatewayError } from '../errors.js';

/** Aborts when the client goes away before its response finished. */
export function clientAbortHandle(c: Exchange): AbortHandle {
  const handle = new AbortHandle();
  const node = nodeBindings(c);
  if (node) {
    const { outgoing } = node;
    outgoing.once('close', () => {
      if (!outgoing.writableFinished) handle.abort();
    });
  } else {
    c.req?.raw.signal.addEventListener('abort', () => handle.abort(), { once: true });
  }
  return handle;
}


async function pipeToNode(relay: SseRelay, res: ServerResponse): Promise<void> {
  let gone = false;
  const onClose = () => {
    if (res.writableFinished) return;
    gone = true;
    relay.cancel();
  };
  res.once('close', onClose);
  try {
    for (;;) {
      const text = await relay.next();
      if (text === null || gone) break;
      if (relay.done()) {
        res.end(text); // the last text and the end of the response in one write
        return;
      }
      if (!res.write(text)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.once('drain', done);
          res.once('close', done);
        });
      }
    }
    if (!gone) res.end();
  } catch {
    res.destroy();
  }
}

export function sendProxyResult(c: Exchange, result: ProxyResult): Response {
  const headers = Object.assign(result.headers, contextHeaders(c));
  const node = nodeBindings(c);
  if (typeof result.body === 'string') {
    // An error stays a Response: the protocol-error middleware may reshape it on its way out.
    if (!node || result.status >= 400) return new Response(result.body, { status: result.status, headers });
    // A success goes to the socket as @hono/node-server would send it, without building a Response first.
    headers['content-length'] = String(Buffer.byteLength(result.body));
    node.outgoing.writeHead(result.status, headers);
    node.outgoing.end(result.body);
    return RESPONSE_ALREADY_SENT;
  }
  if (!node) return new Response(relayToWebStream(result.body), { status: result.status, headers });
  node.outgoing.writeHead(result.status, headers);
  void pipeToNode(result.body, node.outgoing);
  // Shared, so nothing may edit it: requestContext leaves it alone (contextHeadersSet).
  return RESPONSE_ALREADY_SENT;
}

/** A thrown error as its answer: OpenAI's envelope and the error's own headers (Hono's onError and the hot path). */
export function errorResponse(err: unknown, log: Logger): Response {
  const e = asGatewayError(err);
  if (!(err instanceof GatewayError)) log.error('unhandled error', { error: String((err as Error)?.stack ?? err) });
  return new Response(errorBody(e), { status: e.status, headers: { 'content-type': 'application/json', ...e.headers } });
}

/**
 * A JSON answer (text already serialised) with the route's headers and the request's
 * context headers. `headers` is the request's own: completed in place, not copied.
 */
export function sendJson(c: Exchange, status: number, body: string, headers: Record<string, string>, contentType = 'application/json'): Response {
  headers['content-type'] = contentType;
  return sendProxyResult(c, { status, headers, body });
}

/**
 * What every proxy route hands the pipeline from the request: ids, key, routing headers,
 * the client's hang-up, and a route's own fields (its endpoint name, the native request).
 * One object literal: `{ ...proxyInput(…), endpoint }` cost V8's slow copy, ~2 µs a request.
 */
export function proxyInput(c: Exchange, op: Operation, body: OpenAIBody, route: Pick<ProxyInput, 'endpoint' | 'native' | 'untranslatable'> = {}): ProxyInput {
  // Every inbound protocol passes here: no model name reaches routing, logs or the usage table unchecked.
  if (typeof body.model === 'string') checkModelName(body.model);
  return {
    op,
    endpoint: route.endpoint,
    native: route.native,
    untranslatable: route.untranslatable,
    requestId: c.get('requestId'),
    startedAt: c.get('startedAt'),
    key: c.get('key'),
    body,
    strategyHeader: header(c, 'x-inferoute-strategy'),
    fallbackHeader: header(c, 'x-inferoute-fallback'),
    clientSignal: clientAbortHandle(c),
  };
}
