/**
 * Some providers echo the key they were given in their error text. That text reaches
 * the client's error body and the usage table's attempt log: credentials are cut out first.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { chatChunks, openAIError, sseFrame, startSse } from '../fakes/openai-wire.js';
import { listenLoopback, readRequest } from '../fakes/http.js';
import { createLogger } from '../../src/util/log.js';
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

describe("a stream's error event is scrubbed of credentials", () => {
  const ECHO = `Incorrect API key provided: ${PROVIDER_KEY}. Also tried sk-proj-abcdef123456`;
  const leaks = (text: string) => [PROVIDER_KEY, 'sk-proj-abcdef'].filter((s) => text.includes(s));
  const logLines: string[] = [];
  let upstream: { origin: string; close(): Promise<void> };
  let gw: TestGateway;
  /** when set, the upstream waits for it after its first content chunk (the client has seen that chunk: the stream is committed) */
  let clientGotFirst: Promise<void> | undefined;

  before(async () => {
    // OpenAI's chunks, then OpenAI's error envelope as a stream's `data:` event (the SDK throws it as an APIError).
    upstream = await listenLoopback(async (req, res) => {
      const recorded = await readRequest(req);
      const [role, content] = chatChunks('chatcmpl-scrub', String(recorded.body.model), ['Partial'], null);
      startSse(res);
      res.write(sseFrame(role!) + sseFrame(content!));
      if (clientGotFirst) await clientGotFirst;
      res.end(sseFrame(openAIError(ECHO, 'invalid_request_error', 'invalid_api_key')));
    });
    gw = await startGateway(
      { providers: { a: { type: 'openai-compatible', base_url: `${upstream.origin}/v1`, api_key: PROVIDER_KEY, models: { chat: null } } } },
      { log: createLogger({ level: 'debug', write: (line) => logLines.push(line) }) },
    );
  });
  after(async () => {
    await gw.close();
    await upstream.close();
  });

  test('after the stream is committed: the client, the usage table and the log never see the key', async () => {
    let release!: () => void;
    clientGotFirst = new Promise((r) => (release = r));
    const stream = await gw.client.chat.completions.create({ model: 'a/chat', messages, stream: true });
    let text = '';
    const err = await (async () => {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        if (text === 'Partial') release();
      }
    })().catch((e: unknown) => e);
    assert.equal(text, 'Partial');
    assert.ok(err instanceof OpenAI.APIError, String(err));
    assert.deepEqual(leaks(err.message), [], err.message);
    assert.match(err.message, /Incorrect API key provided: \[redacted\]/);
    const [record] = (await gw.usage()).slice(-1);
    assert.equal(record!.errorCode, 'upstream_error');
    assert.deepEqual(leaks(JSON.stringify(record)), []);
    assert.deepEqual(leaks(logLines.join('\n')), [], logLines.join('\n'));
  });

  test('before it is committed (the error comes in the first read): the attempt log, the answer and the log never see the key', async () => {
    clientGotFirst = undefined;
    const err = await gw.client.chat.completions.create({ model: 'a/chat', messages, stream: true }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.APIError && err.status === 502, String(err));
    assert.deepEqual(leaks(JSON.stringify(err.error)), [], JSON.stringify(err.error));
    const [record] = (await gw.usage()).slice(-1);
    assert.match(JSON.stringify(record!.attempts), /stream error: Incorrect API key provided: \[redacted\]/);
    assert.deepEqual(leaks(JSON.stringify(record)), []);
    assert.deepEqual(leaks(logLines.join('\n')), [], logLines.join('\n'));
    for (const file of [gw.paths.db, `${gw.paths.db}-wal`]) {
      if (existsSync(file)) assert.deepEqual(leaks(readFileSync(file).toString('latin1')), [], file);
    }
  });
});
