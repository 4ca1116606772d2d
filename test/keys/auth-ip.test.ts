import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Hono } from 'hono';
import { errorBody, GatewayError } from '../../src/errors.js';
import { KeyCache } from '../../src/keys/cache.js';
import type { AppEnv } from '../../src/server/context.js';
import { keyAuth } from '../../src/server/middleware/auth.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteKeyStore } from '../../src/store/keys.js';
import { tempHome } from '../helpers/gateway.js';

function setup() {
  const store = new SqliteKeyStore(openDatabase(`${tempHome()}/tokenhub.db`));
  const open = store.create({}).key;
  const fenced = store.create({ ips: ['10.0.0.0/8'] }).key;
  const app = new Hono<AppEnv>();
  app.onError((err, c) => c.body(errorBody(err as GatewayError), (err as GatewayError).status as 403));
  app.use('*', keyAuth(new KeyCache(store)));
  app.get('/v1/x', (c) => c.text(c.get('key').record.id));
  const env = (remoteAddress: string) => ({ incoming: { socket: { remoteAddress } } });
  const get = (key: string, e?: object) => app.request('/v1/x', { headers: { authorization: `Bearer ${key}` } }, e);
  return { open, fenced, get, env };
}

describe('keyAuth checks the socket address against the key’s IP allowlist', () => {
  test('an address inside the list passes; outside it is 403 ip_not_allowed', async () => {
    const { fenced, get, env } = setup();
    assert.equal((await get(fenced, env('10.1.2.3'))).status, 200);
    assert.equal((await get(fenced, env('::ffff:10.1.2.3'))).status, 200);
    const res = await get(fenced, env('192.168.0.1'));
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ip_not_allowed');
  });

  test('without a socket (app.request in tests) a key with a list is refused, a key without one passes', async () => {
    const { open, fenced, get } = setup();
    assert.equal((await get(open)).status, 200);
    const res = await get(fenced);
    assert.equal(res.status, 403);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /unknown address/);
  });
});
