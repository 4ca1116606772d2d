/**
 * A fake Anthropic Messages API on loopback (https://docs.anthropic.com/en/api/messages)
 * that speaks the real wire format: it checks x-api-key and anthropic-version, refuses
 * fields the API does not know, answers with a Message or with the named SSE events
 * (message_start, content_block_*, ping, message_delta, message_stop, error), and
 * answers failures with Anthropic's error body.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { listenLoopback, readRequest, type RecordedRequest } from './http.js';

export type { RecordedRequest };

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
}

export interface AnthropicToolCall {
  id?: string;
  name: string;
  input: Record<string, unknown>;
}

export interface AnthropicReply {
  /** an error status answered with Anthropic's error body */
  status?: number;
  errorType?: string;
  errorMessage?: string;
  /** the text, one text_delta per piece */
  pieces?: string[];
  toolCalls?: AnthropicToolCall[];
  stopReason?: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';
  usage?: AnthropicUsage;
  /** write SSE bytes in slices of this size */
  sliceBytes?: number;
  /** send an `error` event after the first text delta (or right after message_start) */
  streamError?: { type: string; message: string };
  streamErrorAt?: 'after-first-delta' | 'start';
  /**
   * A recorded answer replayed byte for byte (a fixture's text: JSON, or SSE when the
   * request streams), with `model` set to the requested one as the API does.
   */
  recorded?: string;
}

export interface FakeAnthropic {
  /** base URL without /v1: the adapter's paths carry it */
  url: string;
  requests: RecordedRequest[];
  setReply(fn: (req: RecordedRequest) => AnthropicReply): void;
  close(): Promise<void>;
}

export const ANTHROPIC_DEFAULT_PIECES = ['Hello', ' from', ' Claude'];
export const ANTHROPIC_DEFAULT_USAGE: AnthropicUsage = { input_tokens: 21, output_tokens: 5, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
export const ANTHROPIC_MODELS = ['claude-sonnet-4-5', 'claude-haiku-4-5'];

/** The Messages API's top-level fields, betas included (Claude Code sends context_management, output_config…). */
const KNOWN_FIELDS = new Set([
  'model', 'messages', 'max_tokens', 'system', 'stop_sequences', 'stream', 'temperature', 'top_p', 'top_k',
  'tools', 'tool_choice', 'metadata', 'thinking', 'service_tier', 'container', 'context_management', 'mcp_servers',
  'output_config', 'safeguards', 'inference_geo',
]);

/** A recorded answer with the model it names replaced by the requested one (first "model" only, as the API sends it). */
export function withRequestedModel(recorded: string, model: string): string {
  return recorded.replace(/"model":\s*"[^"]*"/, `"model":${JSON.stringify(model)}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_fake' });
  res.end(JSON.stringify(body));
}

const errorBody = (type: string, message: string) => ({ type: 'error', error: { type, message }, request_id: 'req_fake' });

/** What the real API would refuse before generating anything. */
function validate(req: RecordedRequest): { status: number; type: string; message: string } | null {
  if (!req.headers['x-api-key']) return { status: 401, type: 'authentication_error', message: 'x-api-key header is required' };
  if (!req.headers['anthropic-version']) return { status: 400, type: 'invalid_request_error', message: 'anthropic-version: header is required' };
  const b = req.body;
  for (const k of Object.keys(b)) if (!KNOWN_FIELDS.has(k)) return { status: 400, type: 'invalid_request_error', message: `${k}: Extra inputs are not permitted` };
  if (typeof b.max_tokens !== 'number') return { status: 400, type: 'invalid_request_error', message: 'max_tokens: Field required' };
  if (!Array.isArray(b.messages) || b.messages.length === 0) return { status: 400, type: 'invalid_request_error', message: 'messages: Field required' };
  // Claude Code 2.1 sends `system` messages between the turns, which the API takes.
  let previous: string | undefined;
  for (let i = 0; i < b.messages.length; i++) {
    const m = b.messages[i];
    if (m.role === 'system') continue;
    if (m.role !== 'user' && m.role !== 'assistant') return { status: 400, type: 'invalid_request_error', message: `messages.${i}.role: Input should be 'user', 'assistant' or 'system'` };
    if (previous === m.role) return { status: 400, type: 'invalid_request_error', message: 'messages: roles must alternate between "user" and "assistant"' };
    previous = m.role;
  }
  return null;
}

function contentBlocks(reply: AnthropicReply, pieces: string[]): Record<string, unknown>[] {
  const blocks: Record<string, unknown>[] = [];
  if (pieces.length > 0) blocks.push({ type: 'text', text: pieces.join('') });
  (reply.toolCalls ?? []).forEach((t, i) => blocks.push({ type: 'tool_use', id: t.id ?? `toolu_fake${i}`, name: t.name, input: t.input }));
  return blocks;
}

/** The exact event sequence the Messages API streams, as `event:` + `data:` frames. */
export function anthropicEvents(id: string, model: string, reply: AnthropicReply): string[] {
  const pieces = reply.pieces ?? (reply.toolCalls ? [] : ANTHROPIC_DEFAULT_PIECES);
  const usage = reply.usage ?? ANTHROPIC_DEFAULT_USAGE;
  const frame = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const out = [
    frame('message_start', {
      message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } },
    }),
  ];
  if (reply.streamError && reply.streamErrorAt === 'start') return [...out, frame('error', { error: reply.streamError })];
  let index = 0;
  if (pieces.length > 0) {
    out.push(frame('content_block_start', { index, content_block: { type: 'text', text: '' } }));
    out.push(frame('ping', {}));
    pieces.forEach((text, i) => {
      out.push(frame('content_block_delta', { index, delta: { type: 'text_delta', text } }));
      if (i === 0 && reply.streamError && reply.streamErrorAt !== 'start') out.push(frame('error', { error: reply.streamError }));
    });
    out.push(frame('content_block_stop', { index }));
    index++;
  }
  for (const [i, t] of (reply.toolCalls ?? []).entries()) {
    out.push(frame('content_block_start', { index, content_block: { type: 'tool_use', id: t.id ?? `toolu_fake${i}`, name: t.name, input: {} } }));
    const json = JSON.stringify(t.input);
    // Split the arguments JSON mid-token, as the real API does.
    for (let at = 0; at < json.length; at += 9) {
      out.push(frame('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: json.slice(at, at + 9) } }));
    }
    out.push(frame('content_block_stop', { index }));
    index++;
  }
  const stop = reply.stopReason ?? (reply.toolCalls ? 'tool_use' : 'end_turn');
  out.push(frame('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }));
  out.push(frame('message_stop', {}));
  return out;
}

export async function startFakeAnthropic(initial?: (req: RecordedRequest) => AnthropicReply): Promise<FakeAnthropic> {
  let replyFor: (req: RecordedRequest) => AnthropicReply = initial ?? (() => ({}));
  const fake: FakeAnthropic = { url: '', requests: [], setReply: (fn) => void (replyFor = fn), close: async () => {} };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const recorded = await readRequest(req);
    fake.requests.push(recorded);
    if (recorded.method === 'GET' && recorded.path === '/v1/models') {
      const data = ANTHROPIC_MODELS.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-09-29T00:00:00Z' }));
      sendJson(res, 200, { data, has_more: false, first_id: data[0]?.id, last_id: data.at(-1)?.id });
      return;
    }
    if (recorded.method === 'POST' && recorded.path === '/v1/messages/count_tokens') {
      // https://docs.anthropic.com/en/api/messages-count-tokens: the documented answer
      if (!recorded.headers['x-api-key']) return sendJson(res, 401, errorBody('authentication_error', 'x-api-key header is required'));
      sendJson(res, 200, JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/anthropic/count-tokens.json', import.meta.url)), 'utf8')));
      return;
    }
    if (recorded.method !== 'POST' || recorded.path !== '/v1/messages') {
      sendJson(res, 404, errorBody('not_found_error', `Not found: ${recorded.path}`));
      return;
    }
    const invalid = validate(recorded);
    if (invalid) {
      sendJson(res, invalid.status, errorBody(invalid.type, invalid.message));
      return;
    }
    const reply = replyFor(recorded);
    if (reply.status && reply.status >= 400) {
      sendJson(res, reply.status, errorBody(reply.errorType ?? 'api_error', reply.errorMessage ?? 'Internal server error'));
      return;
    }
    const id = `msg_fake${fake.requests.length}`;
    const model = String(recorded.body.model);
    if (reply.recorded !== undefined) {
      const text = withRequestedModel(reply.recorded, model);
      const sse = recorded.body.stream === true;
      res.writeHead(200, { 'content-type': sse ? 'text/event-stream; charset=utf-8' : 'application/json', 'request-id': 'req_fake' });
      const bytes = Buffer.from(text, 'utf8');
      const slice = reply.sliceBytes ?? bytes.length;
      for (let i = 0; i < bytes.length; i += slice) {
        res.write(bytes.subarray(i, i + slice));
        if (sse) await sleep(1);
      }
      res.end();
      return;
    }
    if (recorded.body.stream !== true) {
      const pieces = reply.pieces ?? (reply.toolCalls ? [] : ANTHROPIC_DEFAULT_PIECES);
      sendJson(res, 200, {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: contentBlocks(reply, pieces),
        stop_reason: reply.stopReason ?? (reply.toolCalls ? 'tool_use' : 'end_turn'),
        stop_sequence: null,
        usage: reply.usage ?? ANTHROPIC_DEFAULT_USAGE,
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    for (const ev of anthropicEvents(id, model, reply)) {
      if (res.destroyed) return;
      const bytes = Buffer.from(ev, 'utf8');
      const slice = reply.sliceBytes ?? bytes.length;
      // Byte slices, so multi-byte characters get split too.
      for (let i = 0; i < bytes.length; i += slice) res.write(bytes.subarray(i, i + slice));
      await sleep(1);
      if (ev.startsWith('event: error')) break;
    }
    res.end();
  };

  const server = await listenLoopback(handle);
  fake.url = server.origin;
  fake.close = server.close;
  return fake;
}
