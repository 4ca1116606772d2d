import { header } from '../headers.js';
import type { Context, Next } from 'hono';
import type { KeyCache } from '../../keys/cache.js';
import type { AppEnv, Exchange } from '../context.js';
import { constantTimeEqualHex, hashKey } from '../../keys/format.js';
import { GatewayError } from '../../errors.js';

/**
 * The client's address is the socket's (never X-Forwarded-For). Under `app.request()` in
 * tests there is no socket: the address is unknown and a key with an IP allowlist is refused.
 */
export function clientAddress(c: Exchange): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress;
}

/** The key as a client sends it in a header: OpenAI's, Anthropic's or Gemini's. */
export function keyHeader(c: Exchange): string | undefined {
  return header(c, 'authorization') ?? header(c, 'x-api-key') ?? header(c, 'x-goog-api-key');
}

export interface KeyAuthOptions {
  /**
   * Paths where the key may come as `?key=` (Gemini's API: its SDKs and CLI send it so
   * or as x-goog-api-key). Nothing logs a request's query, so the key stays out of logs.
   */
  queryKey?: (path: string) => boolean;
}

/**
 * Authenticates a TokenHub key from memory (no database on the hot path). On a miss it
 * asks `refresh` whether the key table changed since the last reload, so a key minted
 * a moment ago works at once rather than after the next watcher tick.
 */
export const keyAuth = (keys: KeyCache, refresh: () => boolean = () => false, opts: KeyAuthOptions = {}) =>
  function keyAuth(c: Context<AppEnv>, next: Next) {
    const credentials = keyHeader(c) ?? (opts.queryKey?.(c.req.path) ? c.req.query('key') : undefined);
    let key;
    try {
      key = keys.authenticate(credentials);
    } catch (err) {
      if (!refresh()) throw err;
      key = keys.authenticate(credentials);
    }
    if (!key.allowsIp(clientAddress(c))) {
      throw new GatewayError('ip_not_allowed', `This API key may not be used from ${clientAddress(c) ?? 'an unknown address'}`);
    }
    c.set('key', key);
    return next();
  };

/** The admin API opens only with the token `serve` wrote to TOKENHUB_HOME. */
export const adminAuth = (adminToken: () => string) =>
  async function adminAuth(c: Context<AppEnv>, next: Next) {
    const given = (header(c, 'authorization') ?? '').replace(/^Bearer\s+/i, '').trim();
    if (!given || !constantTimeEqualHex(hashKey(given), hashKey(adminToken()))) {
      throw new GatewayError('invalid_api_key', 'The admin API needs the admin token from TOKENHUB_HOME/admin.token');
    }
    await next();
  };
