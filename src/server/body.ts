import { header } from './headers.js';
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { GatewayError, invalidRequest } from '../errors.js';

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

/** The request body as parsed JSON, parsed exactly once. */
export async function readJsonBody(c: Context, limit: number): Promise<unknown> {
  const raw = await readRaw(c, limit);
  if (raw.length === 0) throw invalidRequest('The request body is empty; send a JSON object');
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw invalidRequest(`The request body is not valid JSON: ${(err as Error).message}`);
  }
}
