/**
 * POST /v1/messages and /v1/messages/count_tokens: the Anthropic Messages API inbound,
 * so Claude Code and the Anthropic SDKs can use TokenHub. The request is translated to
 * the OpenAI shape and runs through the one pipeline (routing, fallbacks, key limits,
 * usage records exactly as /v1/chat/completions), and the answer is translated back.
 */
import { proxyInput } from '../respond.js';
import { relayToWebStream } from '../../gateway/stream.js';
import { Hono, type Context, type Next } from 'hono';
import { estimatePromptTokens } from '../../gateway/tokens.js';
import { proxyRequest, type GatewayDeps } from '../../gateway/pipeline.js';
import { translateAnthropicRequest, toOpenAIRequest } from '../../providers/anthropic/inbound.js';
import { anthropicErrorFromOpenAI, messageIdFor, toAnthropicMessage } from '../../providers/anthropic/inbound-message.js';
import { AnthropicEventWriter } from '../../providers/anthropic/inbound-stream.js';
import { SseDecoder } from '../../upstream/sse.js';
import { readJsonBody } from '../body.js';
import type { AppEnv } from '../context.js';

export interface MessagesDeps {
  gateway: GatewayDeps;
  maxBodyBytes: () => number;
}

/**
 * Rewrites any OpenAI-shaped error answer under /v1/messages into Anthropic's shape,
 * whoever produced it (key auth, body parsing, the pipeline, a provider's 4xx). Mount
 * it before key auth so that auth's 401s are covered too.
 */
export const anthropicErrors = () =>
  async function anthropicErrors(c: Context<AppEnv>, next: Next) {
    await next();
    const res = c.res;
    if (res.status < 400 || !(res.headers.get('content-type') ?? '').includes('json')) return;
    // Headers first: under @hono/node-server, clone() rebuilds the response from its init and loses later header edits.
    const headers = new Headers(res.headers);
    headers.delete('content-length');
    let parsed: unknown;
    try {
      parsed = await res.clone().json();
    } catch {
      return;
    }
    if ((parsed as { type?: unknown } | null)?.type === 'error') return;
    const requestId = c.get('requestId') as string | undefined;
    if (requestId) headers.set('request-id', requestId);
    c.res = undefined;
    c.res = new Response(JSON.stringify(anthropicErrorFromOpenAI(res.status, parsed, requestId)), { status: res.status, headers });
  };

/** OpenAI SSE bytes from the pipeline → Anthropic SSE bytes; cancelling it cancels the upstream. */
function toAnthropicStream(source: ReadableStream<Uint8Array>, writer: AnthropicEventWriter): ReadableStream<Uint8Array> {
  const decoder = new SseDecoder();
  const encoder = new TextEncoder();
  const emit = (frames: string[], controller: TransformStreamDefaultController<Uint8Array>) => {
    if (frames.length > 0) controller.enqueue(encoder.encode(frames.join('')));
  };
  return source.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        for (const ev of decoder.push(chunk)) emit(writer.push(ev.data), controller);
      },
      flush(controller) {
        for (const ev of decoder.end()) emit(writer.push(ev.data), controller);
        emit(writer.end(), controller);
      },
    }),
  );
}

export function messagesRoutes(deps: MessagesDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/messages', async function messages(c) {
    // anthropic-version and anthropic-beta are accepted as sent: the answer follows 2023-06-01.
    const requestId = c.get('requestId');
    const translation = translateAnthropicRequest(await readJsonBody(c, deps.maxBodyBytes()));
    if (translation.refusal) throw translation.refusal;
    if (translation.dropped.length > 0) deps.gateway.log.info('anthropic fields not translated to chat', { requestId, dropped: translation.dropped });
    const body = translation.body;
    const id = messageIdFor(requestId);
    const promptEstimate = estimatePromptTokens('chat', body);
    const result = await proxyRequest(deps.gateway, { ...proxyInput(c, 'chat', body), endpoint: 'messages' });
    const headers: Record<string, string> = { ...result.headers, 'request-id': requestId };
    if (result.status >= 400 || typeof result.body === 'string') {
      const text = typeof result.body === 'string' ? result.body : '';
      if (result.status >= 400) {
        // a provider's 4xx, already an OpenAI envelope: anthropicErrors reshapes it
        return new Response(text, { status: result.status, headers: { ...headers, 'content-type': 'application/json' } });
      }
      const message = toAnthropicMessage(JSON.parse(text), id, { promptTokens: promptEstimate, completionTokens: 0, cachedTokens: 0 });
      return new Response(JSON.stringify(message), { status: 200, headers: { ...headers, 'content-type': 'application/json' } });
    }
    const writer = new AnthropicEventWriter({ id, model: body.model, promptEstimate });
    return new Response(toAnthropicStream(relayToWebStream(result.body), writer), { status: 200, headers });
  });

  app.post('/messages/count_tokens', async function countTokens(c) {
    // No provider is asked: an estimate, as the gateway plans and meters with.
    const body = toOpenAIRequest(await readJsonBody(c, deps.maxBodyBytes()), { countOnly: true });
    return c.json({ input_tokens: estimatePromptTokens('chat', body) }, 200, { 'request-id': c.get('requestId') });
  });

  return app;
}
