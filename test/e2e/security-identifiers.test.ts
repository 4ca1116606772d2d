/**
 * Model names are chosen by the client and reach logs, Prometheus labels, the usage table
 * and error messages: they are bounded before anything stores or echoes them.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

const messages = [{ role: 'user' as const, content: 'hi' }];

describe('bounded identifiers', () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;

  before(async () => {
    fake = await startFakeOpenAI();
    gw = await startGateway({ providers: { acme: fakeProvider(fake.url, { 'gpt-fake': { input: 1, output: 2 } }) } });
  });
  after(async () => {
    await gw.close();
    await fake.close();
  });

  test('a 2 MiB model name is refused with 400 before routing: not echoed, not stored, not a metrics series', async () => {
    const dbBefore = statSync(gw.paths.db).size;
    const huge = 'x'.repeat(2 * 1024 * 1024);
    const err = await gw.client.chat.completions.create({ model: huge, messages }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.BadRequestError, String(err));
    assert.equal(err.code, 'invalid_request_error');
    assert.equal(err.param, 'model');
    assert.ok(err.message.length < 300, 'the name is not echoed');

    const anthropic = new Anthropic({ baseURL: gw.url, apiKey: gw.key, maxRetries: 0 });
    const aerr = await anthropic.messages.create({ model: huge, max_tokens: 10, messages }).catch((e: unknown) => e);
    assert.ok(aerr instanceof Anthropic.BadRequestError, String(aerr));
    assert.equal((aerr.error as { error: { type: string } }).error.type, 'invalid_request_error');

    // many distinct long (but not over-long) names of models that do not exist: the series stay few and short
    for (let i = 0; i < 30; i++) {
      const name = `${i}-${'m'.repeat(200 * 1024)}`;
      await gw.client.chat.completions.create({ model: name, messages }).catch(() => undefined);
    }
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    assert.ok(metrics.length < 64 * 1024, `/metrics is ${metrics.length} bytes`);
    const records = await gw.usage();
    assert.ok(records.every((r) => (r.requestedModel ?? '').length <= 256));
    assert.ok(statSync(gw.paths.db).size - dbBefore < 1024 * 1024, 'the database did not grow by megabytes');
    assert.equal(fake.requests.length, 0);
  });

  test('the Gemini and Responses routes bound model names too', async () => {
    const gemini = await fetch(`${gw.url}/v1beta/models/gpt-fake${'x'.repeat(300)}:generateContent`, {
      method: 'POST',
      headers: { 'x-goog-api-key': gw.key, 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }),
    });
    assert.equal(gemini.status, 400, await gemini.text());
    const responses = await gw.client.responses.create({ model: 'y'.repeat(100_000), input: 'hi' }).catch((e: unknown) => e);
    assert.ok(responses instanceof OpenAI.BadRequestError, String(responses));
    assert.ok(responses.message.length < 300);
  });

  test('model names with control characters or spaces are refused with 400, quoted and cut short', async () => {
    for (const model of ['gpt-fake\nINFO forged log line', 'gpt fake', '\u0000', '../../etc/passwd"}']) {
      const err = await gw.client.chat.completions.create({ model, messages }).catch((e: unknown) => e);
      assert.ok(err instanceof OpenAI.BadRequestError, `${JSON.stringify(model)}: ${String(err)}`);
      assert.ok(!err.message.includes('\n'));
    }
    const ok = await gw.client.chat.completions.create({ model: 'acme/gpt-fake', messages });
    assert.equal(ok.model, 'acme/gpt-fake');
  });

  test('unknown-model requests count against the key’s rpm like any other request', async () => {
    const { key } = gw.mintKey({ rpm: 3 });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: key, maxRetries: 0 });
    for (let i = 0; i < 3; i++) {
      const err = await client.chat.completions.create({ model: `guess-${i}`, messages }).catch((e: unknown) => e);
      assert.ok(err instanceof OpenAI.NotFoundError, String(err));
    }
    const limited = await client.chat.completions.create({ model: 'gpt-fake', messages }).catch((e: unknown) => e);
    assert.ok(limited instanceof OpenAI.RateLimitError, String(limited));
    const guess = await client.chat.completions.create({ model: 'guess-4', messages }).catch((e: unknown) => e);
    assert.ok(guess instanceof OpenAI.RateLimitError, String(guess));
  });
});
