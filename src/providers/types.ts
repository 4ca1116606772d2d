/**
 * The seam between the gateway and a provider's wire format. An adapter is pure:
 * no Hono, no undici, no I/O. A new provider type is one folder under src/providers/
 * plus one line in registry.ts; a new inbound protocol is one route plus one
 * translator to and from the middle — never one piece per protocol pair.
 *
 * How a request crosses from one protocol to another
 * ---------------------------------------------------
 * The middle representation is the OpenAI chat-completions shape (`OpenAIBody`, and
 * OpenAI chat chunks for streams), extended with what plain chat cannot carry, in the
 * conventions OpenAI-compatible clients already know (LiteLLM's, Google's):
 *   - reasoning: `reasoning_content` (text) and `thinking_blocks` (Anthropic's signed
 *     `thinking` / `redacted_thinking` blocks, verbatim) on assistant messages and
 *     stream deltas; `reasoning_effort` (and `thinking.budget_tokens`) on requests;
 *   - prompt caching: `cache_control` on messages, content parts and tools;
 *   - Gemini thought signatures: `extra_content.google.thought_signature` on tool calls;
 *   - usage: `prompt_tokens_details.cached_tokens` / `.cache_write_tokens` and
 *     `completion_tokens_details.reasoning_tokens` → `Usage` below.
 * Inbound (src/server/routes/*, with src/inbound/<protocol>/: request, response, stream):
 * each protocol parses the client's body once and hands the pipeline both its chat
 * translation (`ProxyInput.body`) and the client's own request (`ProxyInput.native`).
 * Outbound, per candidate (gateway/attempt.ts): when the provider speaks the client's
 * protocol (`ProviderAdapter.native`), the client's request is forwarded with only the
 * model changed and the answer comes back as it is (`ProxyResult.native`), so nothing
 * a newer client sends can be lost; otherwise the adapter builds the provider's request
 * from the chat body and turns its answer into chat JSON / chunks, and the inbound
 * route encodes those in the client's protocol once, at the edge (gateway/stream.ts:
 * `StreamEncoder`). What a translation cannot carry is refused with a 400 naming the
 * field when it changes the request's meaning, and dropped with a logged note otherwise.
 */
import type { ModelConfig, ProviderType } from '../config/schema.js';
import type { SseEvent } from '../upstream/sse.js';

export type Operation = 'chat' | 'completions' | 'embeddings';

/** A provider as the daemon runs it: config resolved, env expanded. */
export interface ProviderRuntime {
  name: string;
  type: ProviderType;
  baseUrl: string;
  apiKey: string | undefined;
  headers: Record<string, string>;
  timeouts: { connectMs: number; firstByteMs: number; idleMs: number; totalMs: number };
  weight: number;
  /** add stream_options.include_usage to streamed requests (OpenAI-compatible servers) */
  streamUsage: boolean;
  /** an OpenAI-compatible server that speaks the Responses API itself (config `responses: true`) */
  responses?: boolean;
}

/** One place a request can go: a provider and one of its models. */
export interface Target {
  provider: ProviderRuntime;
  /** the model id as configured under the provider (what clients call it) */
  model: string;
  /** the id sent to the provider */
  upstreamModel: string;
  /** `${provider}/${model}`: what the response's `model` says */
  servedAs: string;
  /** prices and limits from config; null when the config gives none */
  info: ModelConfig | null;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** prompt tokens served from the provider's cache (a subset of promptTokens) */
  cachedTokens: number;
  /** prompt tokens written to the provider's cache (a subset of promptTokens) */
  cacheWriteTokens?: number;
  /** of those, written with Anthropic's 1-hour TTL (priced at cache_write_1h) */
  cacheWrite1hTokens?: number;
  /** completion tokens spent on reasoning (a subset of completionTokens) */
  reasoningTokens?: number;
}

/** An OpenAI-shaped request body, parsed once by the gateway. */
export type OpenAIBody = Record<string, unknown> & { model: string; stream?: boolean };

export interface UpstreamCall {
  method: 'POST' | 'GET';
  /** appended to the provider's base URL */
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface RequestContext {
  requestId: string;
  stream: boolean;
  /** whether the client asked for a usage chunk (stream_options.include_usage) */
  clientWantsUsage: boolean;
  /** unix seconds, for providers whose responses carry no `created` */
  created: number;
}

export interface TranslatedResponse {
  body: Record<string, unknown>;
  usage: Usage | null;
  /** `body` already serialised, when the adapter could edit the provider's text in place */
  text?: string;
}

/** A whole answer passed on as its text (model renamed), its usage read by a scan instead of a parse. */
export interface ScannedResponse {
  text: string;
  usage: Usage | null;
}

/** Turns one streaming response into OpenAI SSE payloads (each sent as `data: <payload>\n\n`). */
export interface StreamTranslator {
  /** one upstream SSE event → payloads to send now (the upstream's own [DONE] is swallowed) */
  push(event: SseEvent): string[];
  /**
   * For a client of the provider's own protocol: decoded stream text that starts at an
   * event boundary, passed on a run of whole frames at a time rather than event by
   * event. `frames` is what the client gets for the first `used` characters (`events`
   * events); the text from `used` on goes to push() event by event. A translator may take
   * as little as it likes (none: `used` 0) and must agree with push() on what it takes.
   */
  pushFrames?(text: string): { frames: string; used: number; events: number };
  /** the upstream ended; payloads to send before the gateway's `data: [DONE]` */
  end(): string[];
  /** usage as the provider reported it so far, or null */
  usage(): Usage | null;
  /** characters of generated output so far, to estimate usage when none is reported */
  outputChars(): number;
  /** a provider error that arrived inside the stream, if any */
  error(): { message: string; type?: string } | null;
  /**
   * The provider said its stream is complete (OpenAI's `[DONE]`): the gateway can end
   * the client's stream at once instead of waiting for the connection to end.
   */
  complete?(): boolean;
  /**
   * The protocol's last event has arrived (Gemini: every candidate has its finishReason),
   * though more may follow. A stream that ends before it is truncated. Defaults to `complete`.
   */
  terminated?(): boolean;
  /**
   * The protocol's own mid-stream error frame, whole (native translators: Anthropic's
   * `event: error`, Responses' `response.failed`); without it, OpenAI's `data: {"error": …}`.
   */
  errorFrame?(error: { code: string; message: string }): string;
}

export interface ClientError {
  status: number;
  /** the OpenAI error envelope, serialised */
  body: string;
}

/**
 * The wire protocols TokenHub speaks, inbound and outbound. A request in one of them to a
 * provider that speaks the same one is forwarded natively: only the model changes.
 */
export type Protocol = 'openai-chat' | 'openai-responses' | 'anthropic-messages' | 'gemini';

/** The client's own request, kept beside its chat translation so a same-protocol provider gets it untouched. */
export interface NativeRequest {
  protocol: Protocol;
  /** the client's body as parsed; `model` is still the client's name for it */
  body: Record<string, unknown>;
  /** the protocol's operation where the path names it (Gemini: 'generateContent', 'streamGenerateContent', …) */
  action?: string;
  /** protocol headers to forward as sent (anthropic-version, anthropic-beta, …), lower-case names */
  headers: Record<string, string>;
  /** query parameters to forward (Gemini's `alt=sse`); never the client's key */
  query?: Record<string, string>;
}

/**
 * A provider speaking a client's protocol itself. Everything is passed through; the
 * adapter only swaps the model and reads usage. Its stream translator's `push` and
 * `end` return whole SSE frames (`event: …\ndata: …\n\n`) and the relay adds no `[DONE]`.
 */
export interface NativeAdapter {
  speaks(protocol: Protocol, provider: ProviderRuntime): boolean;
  buildRequest(req: NativeRequest, target: Target, ctx: RequestContext): UpstreamCall;
  /** `body`/`text` in the client's protocol with `model` = target.servedAs (or as the protocol names models) */
  parseResponse(req: NativeRequest, payload: unknown, target: Target, raw: string): TranslatedResponse;
  /** the answer without a parse when a scan can be sure of it (see ScannedResponse); undefined: parse it */
  scanResponse?(req: NativeRequest, raw: string, target: Target): ScannedResponse | undefined;
  streamTranslator(req: NativeRequest, target: Target, ctx: RequestContext): StreamTranslator;
}

export interface ProviderAdapter {
  /** present when the provider speaks some inbound protocols itself (see NativeAdapter) */
  readonly native?: NativeAdapter;
  readonly type: ProviderType;
  /** the provider's API root when config gives no base_url */
  readonly defaultBaseUrl?: string;
  readonly supports: readonly Operation[];
  /** May throw GatewayError('invalid_request_error') for a request the provider cannot express. */
  buildRequest(op: Operation, body: OpenAIBody, target: Target, ctx: RequestContext): UpstreamCall;
  /** A successful non-streaming response, already JSON-parsed, in OpenAI shape with `model` = target.servedAs. */
  parseResponse(op: Operation, payload: unknown, target: Target, ctx: RequestContext, raw?: string): TranslatedResponse;
  /** the answer without a parse when a scan can be sure of it (see ScannedResponse); undefined: parse it */
  scanResponse?(op: Operation, raw: string, target: Target): ScannedResponse | undefined;
  streamTranslator(op: Operation, target: Target, ctx: RequestContext): StreamTranslator;
  /** A provider's 4xx caused by the request, as the OpenAI error the client should see. */
  clientError(status: number, bodyText: string): ClientError;
}
