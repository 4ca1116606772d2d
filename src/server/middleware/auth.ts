import type { Context, Next } from 'hono';
import type { KeyCache } from '../../keys/cache.js';
import type { AppEnv } from '../context.js';
import { constantTimeEqualHex, hashKey } from '../../keys/format.js';
import { GatewayError } from '../../errors.js';

/** Authenticates a TokenHub key from memory (no database on the hot path). */
export const keyAuth = (keys: KeyCache) =>
  async function keyAuth(c: Context<AppEnv>, next: Next) {
    c.set('key', keys.authenticate(c.req.header('authorization') ?? c.req.header('x-api-key')));
    await next();
  };

/** The admin API opens only with the token `serve` wrote to TOKENHUB_HOME. */
export const adminAuth = (adminToken: () => string) =>
  async function adminAuth(c: Context<AppEnv>, next: Next) {
    const header = c.req.header('authorization') ?? '';
    const given = header.replace(/^Bearer\s+/i, '').trim();
    if (!given || !constantTimeEqualHex(hashKey(given), hashKey(adminToken()))) {
      throw new GatewayError('invalid_api_key', 'The admin API needs the admin token from TOKENHUB_HOME/admin.token');
    }
    await next();
  };
