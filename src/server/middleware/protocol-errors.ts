/**
 * Rewrites any OpenAI-shaped error answer into an inbound protocol's own envelope,
 * whoever produced it (key auth, body parsing, the pipeline, a provider's 4xx). Mount
 * it before key auth so that auth's 401s are covered too.
 */
import type { Context, Next } from 'hono';
import type { AppEnv, Exchange } from '../context.js';

export interface ErrorShape {
  /** an answer already in the protocol's envelope (a native provider's own error) stays as it is */
  isOwn(parsed: unknown): boolean;
  reshape(status: number, parsed: unknown, c: Exchange, headers: Headers): unknown;
}

/** `res` in the protocol's envelope, or undefined when it is no OpenAI-shaped JSON error. */
export async function reshapeError(shape: ErrorShape, c: Exchange, res: Response): Promise<Response | undefined> {
  if (res.status < 400 || !(res.headers.get('content-type') ?? '').includes('json')) return undefined;
  // Headers first: under @hono/node-server, clone() rebuilds the response from its init and loses later header edits.
  const headers = new Headers(res.headers);
  headers.delete('content-length');
  let parsed: unknown;
  try {
    parsed = await res.clone().json();
  } catch {
    return undefined;
  }
  if (shape.isOwn(parsed)) return undefined;
  const body = shape.reshape(res.status, parsed, c, headers);
  return new Response(JSON.stringify(body), { status: res.status, headers });
}

/** The middleware: every answer under its mount (or those `applies` picks) goes through reshapeError. */
export const protocolErrors = (shape: ErrorShape, applies?: (c: Context<AppEnv>) => boolean) =>
  async function protocolErrors(c: Context<AppEnv>, next: Next) {
    await next();
    if (applies && !applies(c)) return;
    const reshaped = await reshapeError(shape, c, c.res);
    if (!reshaped) return;
    c.res = undefined;
    c.res = reshaped;
  };
