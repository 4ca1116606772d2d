/**
 * Some providers echo the key they were given in their error text. That text reaches
 * the client's error body and the usage table's attempt log: credentials are cut out first.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { openAIError } from '../fakes/openai-wire.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const PROVIDER_KEY = 'plain-provider-secret-42'; // not sk- shaped: only knowing the provider's own key catches it
const messages = [{ role: 'user' as const, content: 'hi' }];

describe('provider error text is scrubbed of credentials', () => {
  let a: FakeOpenAI;
  let b: FakeOpenAI;
  let gw: TestGateway;

  before(async () => {
    [a, b] = await Promise.all([startFakeOpenAI(), startFakeOpenAI()]);
    gw = await startGateway({
      routing: { strategy: 'cost' },
      providers: {
        a: { type: 'openai-compatible', base_url: a.url, api_key: PROVIDER_KEY, models: { chat: { input: 0.1, output: 0.1 } } },
        b: { type: 'openai-compatible', base_url: b.url, api_key: 'sk-other-provider-key-0123456789', models: { chat: { input: 1, output: 1 } } },
      },
    });
  });
  after(async () => {
    await gw.close();
    await Promise.all([a.close(), b.close()]);
  });

  const leaks = (text: string) => [PROVIDER_KEY, 'sk-other-provider-key', 'sk-proj-abcdef', 'eyJhbGciOi'].filter((s) => text.includes(s));

  test('a 4xx that echoes the key reaches the client without it', async () => {
    a.setReply(() => ({
      status: 400,
      errorBody: openAIError(`Incorrect API key provided: ${PROVIDER_KEY}. Also tried sk-proj-abcdef123456 and Bearer eyJhbGciOiJIUzI1NiJ9.x`, 'invalid_request_error'),
    }));
    const err = await gw.client.chat.completions.create({ model: 'a/chat', messages }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.BadRequestError, String(err));
    assert.deepEqual(leaks(err.message), [], err.message);
    assert.match(err.message, /Incorrect API key provided: \[redacted\]/);
  });

  test('5xx texts that echo keys are scrubbed in the 502 attempts and in the database', async () => {
    a.setReply(() => ({ status: 500, errorBody: { error: { message: `upstream auth ${PROVIDER_KEY} failed (Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.y)` } } }));
    b.setReply(() => ({ status: 503, errorBody: `overloaded; key=sk-other-provider-key-0123456789` }));
    const err = await gw.client.chat.completions.create({ model: 'chat', messages }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.APIError && err.status === 502, String(err));
    assert.deepEqual(leaks(JSON.stringify(err.error)), [], JSON.stringify(err.error));
    const records = await gw.usage();
    const attempts = JSON.stringify(records.map((r) => r.attempts));
    assert.match(attempts, /\[redacted\]/);
    assert.deepEqual(leaks(attempts), [], attempts);
    for (const file of [gw.paths.db, `${gw.paths.db}-wal`]) {
      if (existsSync(file)) assert.deepEqual(leaks(readFileSync(file).toString('latin1')), [], file);
    }
    a.setReply(() => ({}));
    b.setReply(() => ({}));
  });
});
