/**
 * A provider's non-streamed answer is held in memory to be parsed: past
 * server.max_response_mb the attempt fails (and fails over) instead of the daemon
 * buffering hundreds of MiB.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { listenLoopback } from '../fakes/http.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

const MiB = 1024 * 1024;
const messages = [{ role: 'user' as const, content: 'hi' }];

describe('provider answers are bounded', () => {
  let huge: Awaited<ReturnType<typeof listenLoopback>>;
  let fine: FakeOpenAI;
  let gw: TestGateway;
  let sentBytes = 0;

  before(async () => {
    // An OpenAI-shaped answer whose content is 32 MiB, chunked (no content-length) or declared.
    huge = await listenLoopback(async (req, res) => {
      for await (const _ of req);
      const declared = req.url?.includes('declared');
      const head = '{"id":"chatcmpl-big","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"';
      const tail = '"}}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}';
      const piece = 'x'.repeat(MiB);
      res.writeHead(200, { 'content-type': 'application/json', ...(declared ? { 'content-length': String(head.length + 32 * MiB + tail.length) } : {}) });
      res.write(head);
      for (let i = 0; i < 32 && !res.destroyed; i++) {
        if (!res.write(piece)) await new Promise((r) => (res.once('drain', r), res.once('close', r)));
        if (!res.destroyed) sentBytes += MiB;
      }
      res.end(tail);
    });
    fine = await startFakeOpenAI();
    gw = await startGateway({
      server: { max_response_mb: 1 },
      routing: { strategy: 'cost' },
      providers: {
        big: fakeProvider(`${huge.origin}/v1`, { chat: { input: 0.1, output: 0.1 } }),
        declared: fakeProvider(`${huge.origin}/declared/v1`, { solo: { input: 0.1, output: 0.1 } }),
        ok: fakeProvider(fine.url, { chat: { input: 1, output: 1 } }),
      },
    });
  });
  after(async () => {
    await gw.close();
    await Promise.all([huge.close(), fine.close()]);
  });

  test('a 32 MiB answer without a length against a 1 MiB cap: the attempt fails and the request fails over', async () => {
    const res = await gw.client.chat.completions.create({ model: 'chat', messages });
    assert.equal(res.model, 'ok/chat');
    assert.ok(sentBytes < 16 * MiB, `the gateway read ${sentBytes / MiB} MiB`);
    const record = (await gw.usage()).at(-1)!;
    assert.match(record.attempts[0]!.error ?? '', /larger than 1 MiB \(server\.max_response_mb\)/);
  });

  test('a declared length over the cap is refused before reading: a clear 502 when nothing else serves the model', async () => {
    const err = await gw.client.chat.completions.create({ model: 'solo', messages }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.APIError && err.status === 502, String(err));
    assert.match(err.message, /larger than 1 MiB/);
  });
});
