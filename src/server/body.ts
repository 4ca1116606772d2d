import { header } from './headers.js';
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { GatewayError, invalidRequest } from '../errors.js';
import type { Logger } from '../util/log.js';

const tooLarge = (limit: number) =>
  new GatewayError('request_too_large', `Request body is larger than the limit of ${limit} bytes (server.max_body_mb)`);

/** Reads the body straight off the socket when running under Node (no web-stream round trip), with a size limit. */
async function readRaw(c: Context, limit: number): Promise<Buffer> {
  const declared = Number(header(c, 'content-length') ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming) {
    const buf = Buffer.from(await c.req.arrayBuffer());
    if (buf.length > limit) throw tooLarge(limit);
    return buf;
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(tooLarge(limit));
        return;
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
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
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

/** Removes REDIRECTING_FIELDS from a parsed body; returns their names (never their values). */
export function stripRedirectingFields(body: unknown): string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return [];
  const removed: string[] = [];
  for (const name of Object.keys(body)) {
    if (!REDIRECTING_FIELDS.has(name.toLowerCase().replace(/[-_]/g, ''))) continue;
    delete (body as Record<string, unknown>)[name];
    removed.push(name.length > 64 ? `${name.slice(0, 64)}…` : name);
  }
  return removed;
}

/** The request body as parsed JSON, parsed exactly once, without fields that could redirect traffic. */
export async function readJsonBody(c: Context, limit: number): Promise<unknown> {
  const raw = await readRaw(c, limit);
  if (raw.length === 0) throw invalidRequest('The request body is empty; send a JSON object');
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw invalidRequest(`The request body is not valid JSON: ${(err as Error).message}`);
  }
  const removed = stripRedirectingFields(body);
  if (removed.length > 0) {
    (c.get('log') as Logger | undefined)?.warn('removed request body fields that could redirect traffic or swap credentials', {
      id: c.get('requestId'),
      fields: removed,
    });
  }
  return body;
}
