/**
 * Request bodies cannot exhaust the daemon: each is refused at its limit without being
 * read further, all bodies held at once share a budget (503 with Retry-After past it),
 * and a body that trickles in is cut by a timeout. Loopback only, bounded sizes.
 */
import assert from 'node:assert/strict';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

const MiB = 1024 * 1024;

/** A chat body of exactly `bytes` bytes (padded with spaces, which JSON allows). */
function chatBodyOf(bytes: number): Buffer {
  const json = JSON.stringify({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }] });
  return Buffer.from(json + ' '.repeat(bytes - json.length));
}

function open(gw: TestGateway, headers: Record<string, string | number>): { req: ClientRequest; response: Promise<IncomingMessage> } {
  const url = new URL(`${gw.url}/v1/chat/completions`);
  const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: false, headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json', ...headers } });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.once('response', resolve);
    req.once('error', reject);
  });
  response.catch(() => {});
  return { req, response };
}

const statusOf = async (res: IncomingMessage) => {
  res.resume();
  return res.statusCode;
};

describe('request bodies are bounded', () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;

  before(async () => {
    fake = await startFakeOpenAI();
    gw = await startGateway({
      server: { max_body_mb: 1, max_buffered_mb: 2, body_timeout_ms: 3000 },
      providers: { acme: fakeProvider(fake.url, { 'gpt-fake': { input: 1, output: 2 } }) },
    });
  });
  after(async () => {
    await gw.close();
    await fake.close();
  });

  // Hono's own drain reads a refused body for up to 500 ms or 64 MiB: on a fast machine that is
  // tens of MiB (the defence caps it at 1 MiB); on a slow, loaded one the 500 ms pass before.
  test('a chunked upload past the limit is refused at the limit and its connection closed, not read to the end', async () => {
    const { req, response } = open(gw, { 'transfer-encoding': 'chunked' });
    const chunk = Buffer.alloc(MiB, 0x20);
    let written = 0;
    let closed = false;
    req.on('close', () => (closed = true));
    req.on('error', () => (closed = true));
    let connection: string | undefined;
    const status = response.then((r) => ((connection = r.headers.connection), statusOf(r)), () => undefined);
    while (!closed && written < 64 * MiB) {
      const ok = req.write(chunk);
      written += chunk.length;
      if (!ok) await new Promise((r) => (req.once('drain', r), req.once('close', r)));
    }
    if (!closed) req.end();
    assert.equal(await status, 413);
    assert.equal(connection, 'close');
    assert.ok(written < 16 * MiB, `the client got to write ${written / MiB} MiB of a 64 MiB upload against a 1 MiB limit`);
  });

  test('a body that trickles in is cut by the body timeout with 408', async () => {
    const { req, response } = open(gw, { 'content-length': 1000 });
    let sent = 0;
    let answered = false;
    const status = response.then((r) => ((answered = true), statusOf(r)));
    while (!answered && sent < 1000) {
      req.write(' ');
      sent++;
      await new Promise((r) => setTimeout(r, 20)); // 1000 bytes would take 20 s; the timeout is 3 s
    }
    assert.equal(await status, 408);
    assert.ok(sent < 1000);
    req.destroy();
  });

  test('bodies held at once share a budget: past it 503 with Retry-After, and the budget frees when they are done', { timeout: 20_000 }, async () => {
    const size = Math.round(0.9 * MiB);
    const body = chatBodyOf(size);
    // three requests each send 10 bytes of a declared 0.9 MiB: any two fit the 2 MiB budget, the third does not
    const pending = [0, 1, 2].map(() => open(gw, { 'content-length': size }));
    for (const p of pending) p.req.write(body.subarray(0, 10));
    const refused = await Promise.any(pending.map((p, i) => p.response.then((res) => ({ res, i }))));
    assert.equal(refused.res.statusCode, 503);
    assert.equal(refused.res.headers['retry-after'], '1');
    refused.res.resume();
    const held = pending.filter((_, i) => i !== refused.i);
    for (const h of held) h.req.end(body.subarray(10));
    assert.deepEqual(await Promise.all(held.map((h) => h.response.then(statusOf))), [200, 200]);
    const next = open(gw, { 'content-length': size });
    next.req.end(body);
    assert.equal(await next.response.then(statusOf), 200, 'the budget was given back');
  });
});
