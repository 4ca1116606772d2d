import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stripRedirectingFields } from '../../src/server/body.js';

test('redirecting fields are stripped the same on every sighting, and past the bound of remembered names', () => {
  const body = () => ({ model: 'm', messages: [], API_Base: 'x', 'base-url': 'x', apiKey: 'x', stream: true, extra_body: {} });
  const expected = ['API_Base', 'base-url', 'apiKey', 'extra_body'];
  for (let round = 0; round < 3; round++) {
    const b = body();
    assert.deepEqual(stripRedirectingFields(b), expected);
    assert.deepEqual(Object.keys(b), ['model', 'messages', 'stream']);
  }
  // a client naming thousands of fields fills the table; names it no longer keeps are still judged
  for (let i = 0; i < 2000; i++) assert.deepEqual(stripRedirectingFields({ [`f${i}`]: 1, [`Api-Key${i % 2 ? '' : '_'}`]: 1 }), [`Api-Key${i % 2 ? '' : '_'}`]);
  assert.deepEqual(stripRedirectingFields({ aws_secret_access_key: 'x', vertexProject: 'p', temperature: 1 }), ['aws_secret_access_key', 'vertexProject']);
});
