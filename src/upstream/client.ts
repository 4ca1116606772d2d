import type { AbortHandle } from './abort.js';
import { Agent, type Dispatcher, request } from 'undici';
import type { ProviderRuntime, UpstreamCall } from '../providers/types.js';
import { credentialsOf, scrubCredentials } from '../util/scrub.js';
import { HOPS_HEADER, newHopId, outboundHops } from './hops.js';

export type UpstreamResponse = Dispatcher.ResponseData;

export interface SendOptions {
  signal: AbortHandle;
  /** ms to wait for response headers */
  headersTimeoutMs: number;
  /** ms of silence allowed between body chunks */
  bodyTimeoutMs: number;
}

/**
 * The one way out to providers: undici on kept-alive connections. The dispatcher is
 * injected so tests and the benchmark can tune it; one per provider's connect timeout.
 */
export class UpstreamClient {
  private readonly dispatchers = new Map<number, Dispatcher>();

  constructor(
    private readonly makeDispatcher: (connectTimeoutMs: number) => Dispatcher = defaultDispatcher,
    /** this daemon's id in the x-tokenhub-hops header (upstream/hops.ts) */
    private readonly hopId: string = newHopId(),
    /** the most of one non-streamed answer held in memory (server.max_response_mb) */
    private readonly maxResponseBytes: () => number = () => DEFAULT_MAX_RESPONSE_BYTES,
  ) {}

  private dispatcherFor(connectTimeoutMs: number): Dispatcher {
    let d = this.dispatchers.get(connectTimeoutMs);
    if (!d) {
      d = this.makeDispatcher(connectTimeoutMs);
      this.dispatchers.set(connectTimeoutMs, d);
    }
    return d;
  }

  send(provider: ProviderRuntime, call: UpstreamCall, opts: SendOptions): Promise<UpstreamResponse> {
    // Copied by a loop and built as literals: `{ ...x, key }` takes V8's slow copy (~1 µs each).
    const headers: Record<string, string> = {};
    for (const name in call.headers) headers[name] = call.headers[name]!;
    headers[HOPS_HEADER] = outboundHops(this.hopId);
    const dispatcher = this.dispatcherFor(provider.timeouts.connectMs);
    // The base URL parsed once, not the whole URL on every request, when the path needs no normalising.
    const base = splitBaseUrl(provider.baseUrl);
    const { method, body } = call;
    const { signal, headersTimeoutMs: headersTimeout, bodyTimeoutMs: bodyTimeout } = opts;
    const sent =
      base && PLAIN_PATH.test(call.path)
        ? dispatcher.request({ method, headers, body, signal, headersTimeout, bodyTimeout, origin: base.origin, path: base.path + call.path })
        : request(provider.baseUrl + call.path, { method, headers, body, signal, headersTimeout, bodyTimeout, dispatcher });
    return sent.then((res) =>
      res.statusCode >= 400
        ? withScrubbedBody(res, credentialsOf(provider.apiKey, provider.headers, call.headers as Record<string, string>))
        : withBoundedText(res, this.maxResponseBytes()),
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.dispatchers.values()].map((d) => d.close().catch(() => {})));
    this.dispatchers.clear();
  }
}

/** A path that URL parsing would leave as it is: no dot segments, nothing to percent-encode. */
const PLAIN_PATH = /^\/(?!.*\/\.\.?(?:\/|\?|$))[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/;
const bases = new Map<string, { origin: string; path: string } | null>();

/** A provider's base URL as origin and path prefix (no trailing slash); null when it has a query, a fragment or credentials. */
export function splitBaseUrl(baseUrl: string): { origin: string; path: string } | null {
  let base = bases.get(baseUrl);
  if (base === undefined) {
    try {
      const url = new URL(baseUrl);
      base = url.search || url.hash || url.username || url.password ? null : { origin: url.origin, path: url.pathname.replace(/\/+$/, '') };
    } catch {
      base = null;
    }
    bases.set(baseUrl, base);
  }
  return base;
}

function defaultDispatcher(connectTimeoutMs: number): Dispatcher {
  return new Agent({
    connect: { timeout: connectTimeoutMs },
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    pipelining: 1,
  });
}

/** Error bodies are short; one that is not is cut here (it is only ever read whole, as text). */
export const ERROR_BODY_LIMIT = 64 * 1024;

/**
 * An error answer's body, read (up to ERROR_BODY_LIMIT) and scrubbed of credentials
 * before anyone can copy it into a client's error body or the attempt log: some
 * providers echo the key they were given.
 */
function withScrubbedBody(res: UpstreamResponse, secrets: string[]): UpstreamResponse {
  const body = res.body;
  const text = (async () => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= ERROR_BODY_LIMIT) {
        body.destroy();
        break;
      }
    }
    return scrubCredentials(Buffer.concat(chunks).subarray(0, ERROR_BODY_LIMIT).toString('utf8'), secrets);
  })();
  text.catch(() => {}); // a reader that never comes must not leave an unhandled rejection
  body.text = () => text;
  body.json = async () => JSON.parse(await text) as unknown;
  body.dump = async () => void (await text.catch(() => ''));
  return res;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** A provider answer larger than the gateway holds: a provider failure (the request fails over). */
export class ResponseTooLarge extends Error {
  readonly code = 'TH_RESPONSE_TOO_LARGE';
  constructor(readonly limit: number) {
    super(`the provider's answer is larger than ${Math.round(limit / 1024 / 1024)} MiB (server.max_response_mb)`);
    this.name = 'ResponseTooLarge';
  }
}

/**
 * A non-streamed answer is read whole before it is parsed: `text()` stops at `limit`
 * (a 300 MiB answer took the daemon from 80 MiB to 1.6 GiB). A declared length over the
 * limit is refused before reading; a declared one within it reads as before (undici holds
 * it to that length); only an undeclared (chunked) one is counted as it comes. Streams
 * are iterated chunk by chunk and never go through `text()`.
 */
function withBoundedText(res: UpstreamResponse, limit: number): UpstreamResponse {
  const body = res.body;
  const declared = Number(res.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared <= limit) return res;
  body.text = async () => {
    if (declared > limit) {
      body.destroy();
      throw new ResponseTooLarge(limit);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        body.destroy();
        throw new ResponseTooLarge(limit);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size).toString('utf8');
  };
  body.json = async () => JSON.parse(await body.text()) as unknown;
  return res;
}

/** A timeout the gateway enforces itself; used as the abort reason so the failure names itself. */
export class UpstreamTimeout extends Error {
  constructor(readonly code: 'TH_FIRST_BYTE_TIMEOUT' | 'TH_DEADLINE') {
    super(code === 'TH_DEADLINE' ? 'request deadline exceeded' : 'timeout waiting for the first byte');
    this.name = 'UpstreamTimeout';
  }
}

/** A timer callback (no closure per request): the first byte did not come in time. */
export function abortForFirstByte(abort: AbortHandle): void {
  abort.abort(new UpstreamTimeout('TH_FIRST_BYTE_TIMEOUT'));
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'TH_FIRST_BYTE_TIMEOUT', 'TH_DEADLINE']);
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: string; cause?: { code?: string } } | null;
  return e?.cause?.code ?? e?.code;
}

/** Whether a network failure was one of the timeouts (connect, first byte, idle, deadline). */
export function isUpstreamTimeout(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && TIMEOUT_CODES.has(code);
}

/** Whether a network failure says the provider as a whole cannot be reached (rather than one slow model). */
export function isProviderUnreachable(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && UNREACHABLE_CODES.has(code);
}

/** A failure as the router counts it (router/health.ts FailureKind), from the error's code. */
export function failureKind(err: unknown): { timeout: boolean; unreachable: boolean } {
  return { timeout: isUpstreamTimeout(err), unreachable: isProviderUnreachable(err) };
}

/** A short, key-free description of a network failure for logs and the 502 body. */
export function describeUpstreamError(err: unknown): string {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  const code = e.cause?.code ?? e.code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect timeout';
    case 'UND_ERR_HEADERS_TIMEOUT':
      return 'timeout waiting for response headers';
    case 'UND_ERR_BODY_TIMEOUT':
      return 'timeout waiting for response body';
    case 'TH_FIRST_BYTE_TIMEOUT':
    case 'TH_DEADLINE':
    case 'TH_RESPONSE_TOO_LARGE':
      return (err as Error).message;
    default:
      if (e.name === 'AbortError') return 'aborted';
      return code ? String(code).toLowerCase() : (e.message ?? 'network error');
  }
}
