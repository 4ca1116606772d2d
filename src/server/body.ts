import { header } from './headers.js';
import type { IncomingMessage } from 'node:http';
import { GatewayError, invalidRequest } from '../errors.js';
import { keepRawText } from '../providers/request-text.js';
import type { BodyLimits } from './body-budget.js';
import { nodeBindings, type Exchange } from './context.js';

const tooLarge = (limit: number) =>
  new GatewayError('request_too_large', `Request body is larger than the limit of ${limit} bytes (server.max_body_mb)`);
const busy = () =>
  new GatewayError('server_busy', 'TokenHub is receiving too many request bodies at once (server.max_buffered_mb); retry shortly', {
    headers: { 'retry-after': '1' },
  });
const tooSlow = (ms: number) =>
  new GatewayError('request_timeout', `The request body did not arrive within ${ms} ms (server.body_timeout_ms)`);

/** What is read of a refused body while its answer goes out; past it the socket is cut. */
const DRAIN_AFTER_REFUSAL = 1024 * 1024;

/**
 * After a refusal the rest of the body is read only briefly (a client that is still
 * sending would otherwise get a reset instead of the answer), and at most
 * DRAIN_AFTER_REFUSAL bytes: not the tens of MiB a fast client sends in the server's
 * own drain window.
 */
function stopReadingSoon(incoming: IncomingMessage): void {
  let extra = 0;
  const onData = (chunk: Buffer) => {
    extra += chunk.length;
    if (extra <= DRAIN_AFTER_REFUSAL) return;
    incoming.off('data', onData);
    incoming.socket?.destroy();
  };
  incoming.on('data', onData);
  incoming.once('end', () => incoming.off('data', onData));
}

/**
 * Reads the body straight off the socket when running under Node (no web-stream round
 * trip): refused at the per-body limit, past the daemon-wide budget, or when it has not
 * arrived in time. A refused body is read at most 1 MiB further (stopReadingSoon) and
 * its answer says `connection: close`.
 */
async function readRaw(c: Exchange, limit: number): Promise<Buffer> {
  const declared = Number(header(c, 'content-length') ?? NaN);
  const node = nodeBindings(c);
  const incoming = node?.incoming;
  const refuse = (err: GatewayError): GatewayError => {
    node?.outgoing?.setHeader('connection', 'close');
    if (incoming) stopReadingSoon(incoming);
    return err;
  };
  if (declared > limit) throw refuse(tooLarge(limit));
  if (!incoming) {
    const buf = Buffer.from((await c.req?.arrayBuffer()) ?? new ArrayBuffer(0));
    if (buf.length > limit) throw tooLarge(limit);
    return buf;
  }
  const limits: BodyLimits | undefined = c.get('bodyLimits');
  // A declared length is taken whole up front; a chunked body as it comes.
  let held = 0;
  if (limits && Number.isFinite(declared)) {
    if (!limits.budget.take(declared)) throw refuse(busy());
    held = declared;
  }
  // The raw bytes are garbage once parsed (readJsonBody parses at once): their budget is
  // given back a turn later, so the parse happens inside it.
  const release = () => {
    if (limits && held > 0) setImmediate(() => limits.budget.give(held));
  };
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (err: GatewayError) => {
      cleanup();
      reject(refuse(err));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return fail(tooLarge(limit));
      if (limits && size > held) {
        if (!limits.budget.take(size - held)) return fail(busy());
        held = size;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    // The client hung up before the end: give its bytes back now, not at the body timeout.
    const onClose = () => onError(new GatewayError('invalid_request_error', 'client closed the request', { status: 499 }));
    const timer = limits ? setTimeout(() => fail(tooSlow(limits.timeoutMs)), limits.timeoutMs) : undefined;
    const cleanup = () => {
      clearTimeout(timer);
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
      release();
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

/**
 * Body fields that other gateways and SDK wrappers (LiteLLM and the like) read as "send
 * this request elsewhere" or "use this credential": an upstream that honours them would
 * let a client redirect traffic, or read the provider key off the wire. Compared without
 * case, `-` or `_` (apiBase, base_url, api-key all match).
 */
const REDIRECTING_FIELDS = new Set(
  [
    'api_base', 'base_url', 'api_key', 'api_version', 'api_type', 'extra_headers', 'extra_query', 'extra_body', 'headers',
    'custom_llm_provider', 'azure_ad_token', 'aws_access_key_id', 'aws_secret_access_key', 'aws_session_token',
    'aws_region_name', 'vertex_project', 'vertex_location', 'vertex_credentials',
  ].map((f) => f.replace(/[-_]/g, '')),
);

/**
 * Each field name's verdict, kept: requests name the same few dozen fields, and the
 * lower-casing and the replace cost ~0.5 µs a request. Names are the client's, so the
 * table stops growing at a bound (past it, names are judged each time).
 */
const verdicts = new Map<string, boolean>();
function redirects(name: string): boolean {
  let verdict = verdicts.get(name);
  if (verdict === undefined) {
    verdict = REDIRECTING_FIELDS.has(name.toLowerCase().replace(/[-_]/g, ''));
    if (verdicts.size < 1000) verdicts.set(name, verdict);
  }
  return verdict;
}

/** Removes REDIRECTING_FIELDS from a parsed body; returns their names (never their values). */
export function stripRedirectingFields(body: unknown): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [];
  const removed: string[] = [];
  for (const name of Object.keys(body)) {
    if (!redirects(name)) continue;
    delete (body as Record<string, unknown>)[name];
    removed.push(name.length > 64 ? `${name.slice(0, 64)}…` : name);
  }
  return removed;
}

/** The request body as parsed JSON, parsed exactly once, without fields that could redirect traffic. */
export async function readJsonBody(c: Exchange, limit: number): Promise<unknown> {
  const raw = await readRaw(c, limit);
  if (raw.length === 0) throw invalidRequest('The request body is empty; send a JSON object');
  const text = raw.toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw invalidRequest(`The request body is not valid JSON: ${(err as Error).message}`);
  }
  const removed = stripRedirectingFields(body);
  // The text still says what the body says: an adapter may forward it edited instead of serialising the body again.
  if (removed.length === 0 && typeof body === 'object' && body !== null && !Array.isArray(body)) keepRawText(body, text);
  if (removed.length > 0) {
    c.get('log')?.warn('removed request body fields that could redirect traffic or swap credentials', {
      id: c.get('requestId'),
      fields: removed,
    });
  }
  return body;
}
