/**
 * Rewrites any OpenAI-shaped error answer into an inbound protocol's own envelope,
 * whoever produced it (key auth, body parsing, the pipeline, a provider's 4xx). Mount
 * it before key auth so that auth's 401s are covered too.
 */
import type { Context, Next } from 'hono';
import type { AppEnv } from '../context.js';

export interface ErrorShape {
  /** an answer already in the protocol's envelope (a native provider's own error) stays as it is */
  isOwn(parsed: unknown): boolean;
  reshape(status: number, parsed: unknown, c: Context<AppEnv>, headers: Headers): unknown;
  /** only these requests (default: all under the mount) */
  applies?(c: Context<AppEnv>): boolean;
}

export const protocolErrors = (shape: ErrorShape) =>
  async function protocolErrors(c: Context<AppEnv>, next: Next) {
    await next();
    if (shape.applies && !shape.applies(c)) return;
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
    if (shape.isOwn(parsed)) return;
    const body = shape.reshape(res.status, parsed, c, headers);
    c.res = undefined;
    c.res = new Response(JSON.stringify(body), { status: res.status, headers });
  };
