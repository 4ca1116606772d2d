/** A malformed percent-encoding in the URL is the client's mistake: 400 in its protocol's envelope, never a 500. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

describe('malformed percent-encoding in the URL', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startGateway({});
  });
  after(() => gw.close());

  test('/v1/models/% and other undecodable ids answer 400 invalid_request_error', async () => {
    for (const path of ['/v1/models/%', '/v1/models/%E0%A4%A', '/v1/models/abc%zz']) {
      const res = await request(`${gw.url}${path}`, { headers: { authorization: `Bearer ${gw.key}` } });
      const body = (await res.body.json()) as { error: { type: string; message: string } };
      assert.equal(res.statusCode, 400, path);
      assert.equal(body.error.type, 'invalid_request_error', path);
      assert.match(body.error.message, /percent-encoding/);
    }
  });

  test('the Gemini paths answer 400 too', async () => {
    for (const path of ['/v1beta/models/%', '/v1beta/models/%:generateContent']) {
      const post = path.includes(':');
      const res = await request(`${gw.url}${path}`, {
        method: post ? 'POST' : 'GET',
        headers: { 'x-goog-api-key': gw.key, 'content-type': 'application/json' },
        body: post ? '{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}' : undefined,
      });
      const text = await res.body.text();
      assert.equal(res.statusCode, 400, `${path}: ${text}`);
    }
  });

  test('a well-formed unknown id is still a 404, its name quoted', async () => {
    const res = await request(`${gw.url}/v1/models/no%20such%0Amodel`, { headers: { authorization: `Bearer ${gw.key}` } });
    assert.equal(res.statusCode, 404);
    const body = (await res.body.json()) as { error: { message: string } };
    assert.match(body.error.message, /"no such\\nmodel"/);
  });
});
