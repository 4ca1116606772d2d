/**
 * The fast stream path (the relay written straight to the Node socket) under clients
 * that do not keep up: a paused client holds the provider back instead of filling the
 * gateway's memory, a slow client gets every byte in order, and a client that hangs up
 * while paused aborts the provider and leaves one record.
 */
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { eventually, fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

const CHUNKS = 4000;
/** ~1 KiB of text per chunk: 4 MB in all, far beyond the sockets' buffers */
const PIECE = 'lorem ipsum dolor sit amet '.repeat(38);
const chunk = (i: number) =>
  `data: {"id":"chatcmpl-bp","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"${i}:${PIECE}"},"finish_reason":null}]}\n\n`;
const LAST =
  'data: {"id":"chatcmpl-bp","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n';

interface Firehose {
  url: string;
  server: Server;
  /** chunks written so far, and whether the writer is waiting for 'drain' right now */
  state: { written: number; blocked: boolean; blockedAt: number[]; closedEarly: number };
}

/** Writes as fast as the connection takes it, honouring backpressure itself. */
async function startFirehose(): Promise<Firehose> {
  const state = { written: 0, blocked: false, blockedAt: [] as number[], closedEarly: 0 };
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d));
    req.on('end', async () => {
      // `endless`: goes on until the connection closes (bounded, so a test that fails still stops)
      const total = body.includes('"endless"') ? 100 * CHUNKS : CHUNKS;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      state.written = 0;
      let closed = false;
      res.on('close', () => {
        if (!res.writableFinished) {
          closed = true;
          state.closedEarly++;
        }
      });
      for (let i = 0; i < total && !closed; i++) {
        state.written++;
        if (!res.write(chunk(i))) {
          state.blocked = true;
          state.blockedAt.push(state.written);
          await Promise.race([once(res, 'drain'), once(res, 'close')]);
          state.blocked = false;
        }
      }
      if (!closed) res.end(LAST);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server, state };
}

describe('streams to clients that do not keep up', () => {
  let hose: Firehose;
  let gw: TestGateway;

  before(async () => {
    hose = await startFirehose();
    gw = await startGateway({ providers: { hose: fakeProvider(hose.url, { m: { input: 1, output: 1 }, endless: { input: 1, output: 1 } }) } });
  });
  after(async () => {
    await gw.close();
    await new Promise((r) => hose.server.close(r));
  });

  /** Starts a stream request and hands back the (paused) response. */
  async function openStream(model = 'hose/m'): Promise<IncomingMessage> {
    const { hostname, port } = new URL(gw.url);
    const req = request({
      hostname,
      port,
      path: '/v1/chat/completions',
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
    });
    req.end(JSON.stringify({ model, messages: [{ role: 'user', content: 'go' }], stream: true }));
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    res.pause();
    return res;
  }

  const contentIndexes = (text: string) => [...text.matchAll(/"content":"(\d+):/g)].map((m) => Number(m[1]));

  test('a paused client holds the provider back; once it reads, every chunk arrives in order', async () => {
    const res = await openStream();
    assert.equal(res.statusCode, 200);
    // The provider is stuck waiting for 'drain' long before it has written everything.
    await eventually(() => hose.state.blocked && hose.state.written < CHUNKS);
    const heldAt = hose.state.written;
    assert.ok(heldAt < CHUNKS, `the provider was held back at chunk ${heldAt} of ${CHUNKS}`);
    res.setEncoding('utf8');
    let text = '';
    res.on('data', (d: string) => (text += d));
    res.resume();
    await once(res, 'end');
    const indexes = contentIndexes(text);
    assert.equal(indexes.length, CHUNKS);
    assert.ok(indexes.every((v, i) => v === i), 'in order, none lost or repeated');
    assert.ok(text.endsWith('data: [DONE]\n\n'));
    await eventually(async () => (await gw.usage()).length === 1);
    const [rec] = await gw.usage();
    assert.equal(rec!.status, 200);
    assert.ok(rec!.completionTokens > 0);
  });

  test('a slow client that reads a little at a time gets the whole stream intact', async () => {
    const before = (await gw.usage()).length;
    const res = await openStream();
    res.setEncoding('utf8');
    let text = '';
    // read in small bites, yielding to the event loop between them
    for (;;) {
      const piece = res.read(4096) as string | null;
      if (piece !== null) {
        text += piece;
        await new Promise((r) => setImmediate(r));
        continue;
      }
      if (res.readableEnded) break;
      await Promise.race([once(res, 'readable'), once(res, 'end')]);
      if (res.readableEnded && res.readableLength === 0) break;
    }
    const indexes = contentIndexes(text);
    assert.equal(indexes.length, CHUNKS);
    assert.ok(indexes.every((v, i) => v === i));
    await eventually(async () => (await gw.usage()).length === before + 1);
  });

  test('a client that hangs up while paused aborts the provider and leaves one 499 record', async () => {
    const before = (await gw.usage()).length;
    const closedBefore = hose.state.closedEarly;
    const res = await openStream('hose/endless');
    await eventually(() => hose.state.blocked);
    res.destroy();
    await eventually(() => hose.state.closedEarly === closedBefore + 1);
    await eventually(async () => (await gw.usage()).length === before + 1);
    const rec = (await gw.usage()).at(-1)!;
    assert.equal(rec.status, 499);
    assert.equal(rec.errorCode, 'client_closed_request');
  });
});
