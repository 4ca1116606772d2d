/**
 * POST /v1/messages and /v1/messages/count_tokens: the Anthropic Messages API inbound,
 * so Claude Code and the Anthropic SDKs can use TokenHub. The request runs through the
 * one pipeline (routing, fallbacks, key limits, usage records exactly as
 * /v1/chat/completions) carrying both the client's own body (`native`, forwarded as is
 * to an Anthropic provider) and its chat translation (for every other provider), whose
 * answer is translated back here.
 */
import { proxyInput, sendJson, sendProxyResult } from '../respond.js';
import { writerEncoder } from '../../gateway/stream.js';
import type { NativeRequest, Target } from '../../providers/types.js';
import { countTokensCall, FORWARDED_HEADERS } from '../../providers/anthropic/native.js';
import type { ActiveKey } from '../../keys/cache.js';
import { planCandidates } from '../../router/plan.js';
import { AbortHandle } from '../../upstream/abort.js';
import { header } from '../headers.js';
import { protocolErrors, type ErrorShape } from '../middleware/protocol-errors.js';
import { Hono } from 'hono';
import { estimatePromptTokens } from '../../gateway/tokens.js';
import { proxyRequest, type GatewayDeps } from '../../gateway/pipeline.js';
import { translateAnthropicRequest, toOpenAIRequest } from '../../inbound/anthropic/request.js';
import { anthropicErrorFromOpenAI, messageIdFor, toAnthropicMessage } from '../../inbound/anthropic/response.js';
import { AnthropicEventWriter } from '../../inbound/anthropic/stream.js';
import { readJsonBody } from '../body.js';
import type { AppEnv, Exchange } from '../context.js';
import type { HotRegister } from '../hot.js';

export interface MessagesDeps {
  gateway: GatewayDeps;
  maxBodyBytes: () => number;
}

/** Any OpenAI-shaped error under /v1/messages, in Anthropic's shape (with its request-id header). */
export const anthropicErrors = () => protocolErrors(anthropicErrorShape);

const anthropicErrorShape: ErrorShape = {
  isOwn: (parsed) => (parsed as { type?: unknown } | null)?.type === 'error',
  reshape(status, parsed, c, headers) {
    const requestId = c.get('requestId') as string | undefined;
    if (requestId) headers.set('request-id', requestId);
    return anthropicErrorFromOpenAI(status, parsed, requestId);
  },
};

/** The client's request as an Anthropic provider gets it: body as parsed, protocol headers as sent. */
function nativeRequest(c: Exchange, body: Record<string, unknown>): NativeRequest {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = header(c, name);
    if (value) headers[name] = value;
  }
  return { protocol: 'anthropic-messages', body, headers };
}

/** The count an Anthropic provider gives for the request, or null (another provider first, or no answer within 10 s). */
async function countAtAnthropic(gateway: GatewayDeps, key: ActiveKey, req: NativeRequest): Promise<string | null> {
  const model = String(req.body.model);
  let target: Target | undefined;
  try {
    const plan = planCandidates(gateway.catalog(), { model, allowed: key.allowsModel, estimate: { promptTokens: 0, completionTokens: 0 } });
    target = plan.candidates[0];
  } catch {
    return null; // an unknown or forbidden model: the estimate answers, as before
  }
  if (target?.provider.type !== 'anthropic') return null;
  try {
    const res = await gateway.upstream.send(target.provider, countTokensCall(req, target), { signal: new AbortHandle(), headersTimeoutMs: 10_000, bodyTimeoutMs: 10_000 });
    const text = await res.body.text();
    return res.statusCode === 200 && /"input_tokens"\s*:\s*\d/.test(text) ? text : null;
  } catch {
    return null;
  }
}

/** `hot` takes POST /messages for the hot path as well (hot.ts), with its error shape. */
export function messagesRoutes(deps: MessagesDeps, hot?: HotRegister): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const messages = async function messages(c: Exchange) {
    const requestId = c.get('requestId');
    const raw = (await readJsonBody(c, deps.maxBodyBytes())) as Record<string, unknown>;
    const translation = translateAnthropicRequest(raw);
    const body = translation.body;
    const id = messageIdFor(requestId);
    const promptEstimate = estimatePromptTokens('chat', body);
    const input = proxyInput(c, 'chat', body, { endpoint: 'messages', native: nativeRequest(c, raw), untranslatable: translation.refusal });
    const result = await proxyRequest(deps.gateway, input);
    // the result is this request's own: its headers are completed in place (a spread copy costs ~1 µs)
    const headers = result.headers;
    headers['request-id'] = requestId;
    if (result.native) {
      // An Anthropic provider answered in the client's own protocol: sent as it came.
      return sendProxyResult(c, result);
    }
    // Translated for another provider: what the chat shape could not carry, and was not needed, is noted.
    if (translation.dropped.length > 0) deps.gateway.log.info('anthropic fields not translated to chat', { requestId, dropped: translation.dropped });
    if (result.status >= 400 || typeof result.body === 'string') {
      const text = typeof result.body === 'string' ? result.body : '';
      if (result.status >= 400) {
        // a provider's 4xx, already an OpenAI envelope: anthropicErrors reshapes it
        return sendJson(c, result.status, text, headers);
      }
      const message = toAnthropicMessage(JSON.parse(text), id, { promptTokens: promptEstimate, completionTokens: 0, cachedTokens: 0 });
      return sendJson(c, 200, JSON.stringify(message), headers);
    }
    result.body.encodeWith(writerEncoder(new AnthropicEventWriter({ id, model: body.model, promptEstimate })));
    return sendProxyResult(c, result);
  };
  app.post('/messages', (c) => messages(c));
  hot?.('/messages', { handler: messages, errors: anthropicErrorShape });

  app.post('/messages/count_tokens', async function countTokens(c) {
    const raw = (await readJsonBody(c, deps.maxBodyBytes())) as Record<string, unknown>;
    const body = toOpenAIRequest(raw, { countOnly: true });
    const headers: Record<string, string> = { 'request-id': c.get('requestId') };
    // The model's first candidate, when Anthropic, counts exactly (and for free); else the gateway's estimate.
    const exact = await countAtAnthropic(deps.gateway, c.get('key'), nativeRequest(c, raw));
    if (exact) return sendJson(c, 200, exact, headers);
    return c.json({ input_tokens: estimatePromptTokens('chat', body) }, 200, headers);
  });

  return app;
}
