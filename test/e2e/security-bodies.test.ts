/**
 * Request bodies cannot exhaust the daemon: each is refused at its limit without being
 * read further, all bodies held at once share a budget (503 with Retry-After past it),
 * and a body that trickles in is cut by a timeout. Loopback only, bounded sizes.
 */
import assert from 'node:assert/strict';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { eventually, fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

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

  // Hono's own drain reads a refused body for up to 500 ms or 64 MiB (tens of MiB from a fast
  // client); the defence stops at 1 MiB past the limit. The client queues all 64 MiB at once
  // and counts what the kernel took before the server closed.
  test('a chunked upload past the limit is refused at the limit and its connection closed, not read to the end', async () => {
    const url = new URL(gw.url);
    for (let round = 0; round < 3; round++) {
      const sock = connect(Number(url.port), url.hostname);
      await new Promise((r) => sock.once('connect', r));
      let answer = '';
      sock.on('data', (d: Buffer) => (answer += d.toString('latin1')));
      sock.on('error', () => {});
      sock.write(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${gw.key}\r\n` +
          `Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${(64 * MiB).toString(16)}\r\n`,
      );
      let flushed = 0;
      const chunk = Buffer.alloc(MiB, 0x20);
      for (let i = 0; i < 64; i++) sock.write(chunk, (err) => void (err ? undefined : flushed++));
      await new Promise((r) => sock.once('close', r));
      assert.match(answer, /^HTTP\/1\.1 413 /);
      assert.match(answer, /\r\nconnection: close\r\n/i);
      assert.ok(flushed < 16, `round ${round}: the server took ${flushed} MiB of a 64 MiB upload against a 1 MiB limit`);
    }
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

  test('clients that hang up halfway through their bodies: their budget comes back, the daemon goes on answering, no record is left', { timeout: 20_000 }, async () => {
    const size = Math.round(0.9 * MiB);
    const body = chatBodyOf(size);
    const records = (await gw.usage()).length;
    // Two bodies that hold 1.8 of the 2 MiB: a third is refused while they are read.
    const gone = [0, 1].map(() => open(gw, { 'content-length': size }));
    for (const g of gone) g.req.write(body.subarray(0, 10));
    await eventually(async () => {
      const third = open(gw, { 'content-length': size });
      third.req.write(body.subarray(0, 10));
      const status = await third.response.then(statusOf);
      third.req.destroy();
      return status === 503;
    });
    for (const g of gone) g.req.destroy();
    // Once they are gone, two bodies of the same size fit again together.
    await eventually(async () => {
      const pair = [0, 1].map(() => open(gw, { 'content-length': size }));
      for (const p of pair) p.req.write(body.subarray(0, 10));
      for (const p of pair) p.req.end(body.subarray(10));
      const statuses = await Promise.all(pair.map((p) => p.response.then(statusOf)));
      return statuses.every((s) => s === 200);
    });
    const added = (await gw.usage()).slice(records);
    assert.ok(added.length >= 2);
    assert.deepEqual(new Set(added.map((r) => r.status)), new Set([200]), 'only answered requests left records');
  });
});
