/**
 * The pipeline's client-abort branches: a client that hangs up while the provider is
 * still working, or while the gateway waits out a Retry-After, stops everything at once:
 * the provider's request is aborted, no other candidate is tried, one 499 record stays.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { eventually, fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

interface Stub {
  url: string;
  server: Server;
  received: number;
  closedEarly: number;
}

/** `hold/…` never answers; `busy/…` says 429 with Retry-After: 30 s; `spare/…` counts what reaches it. */
async function startStub(): Promise<Stub> {
  const stub = { received: 0, closedEarly: 0 } as Stub;
  stub.server = createServer((req, res) => {
    stub.received++;
    req.resume();
    res.on('close', () => {
      if (!res.writableFinished) stub.closedEarly++;
    });
    if (req.url!.startsWith('/busy/')) {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '30' });
      res.end('{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}');
    }
    // /hold/: keeps the request open until the gateway lets go of it
  });
  await new Promise<void>((r) => stub.server.listen(0, '127.0.0.1', r));
  stub.url = `http://127.0.0.1:${(stub.server.address() as AddressInfo).port}`;
  return stub;
}

describe('a client that hangs up before its answer', () => {
  let stub: Stub;
  let spare: Stub;
  let gw: TestGateway;

  before(async () => {
    [stub, spare] = await Promise.all([startStub(), startStub()]);
    gw = await startGateway({
      // a 30 s Retry-After is within the cap, so the gateway would wait for it
      routing: { strategy: 'cost', circuit: { failures: 1000 }, retry_after_cap_ms: 60_000 },
      providers: {
        hold: fakeProvider(`${stub.url}/hold/v1`, { m: { input: 1, output: 1 } }),
        busy: fakeProvider(`${stub.url}/busy/v1`, { m: { input: 1, output: 1 } }),
        spare: fakeProvider(`${spare.url}/spare/v1`, { m: { input: 2, output: 2 } }),
      },
    } as never);
  });
  after(async () => {
    await gw.close();
    stub.server.closeAllConnections();
    await Promise.all([new Promise((r) => stub.server.close(r)), new Promise((r) => spare.server.close(r))]);
  });

  /** Sends a non-stream request and returns a function that hangs up. */
  function send(model: string, fallback?: string): { hangUp: () => void; done: Promise<unknown> } {
    const { hostname, port } = new URL(gw.url);
    const headers: Record<string, string> = { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' };
    if (fallback) headers['x-inferoute-fallback'] = fallback;
    const req = request({ hostname, port, path: '/v1/chat/completions', method: 'POST', headers });
    req.on('error', () => {});
    req.end(JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }));
    const done = once(req, 'response').then(([res]) => (res as IncomingMessage).resume(), () => undefined);
    return { hangUp: () => req.destroy(), done };
  }

  test('while the provider is still working: its request is aborted, the fallback is not tried, one 499 record', async () => {
    const before = (await gw.usage()).length;
    const closedBefore = stub.closedEarly;
    const receivedBefore = stub.received;
    const { hangUp } = send('hold/m', 'spare/m');
    await eventually(() => stub.received === receivedBefore + 1);
    hangUp();
    await eventually(() => stub.closedEarly === closedBefore + 1);
    await eventually(async () => (await gw.usage()).length === before + 1);
    const rec = (await gw.usage()).at(-1)!;
    assert.equal(rec.status, 499);
    assert.equal(rec.errorCode, 'client_closed_request');
    assert.equal(rec.provider, 'hold');
    assert.equal(spare.received, 0, 'no failover for a client that is gone');
  });

  test('while the gateway waits out a Retry-After: the wait ends at once and nothing is retried', async () => {
    const before = (await gw.usage()).length;
    const receivedBefore = stub.received;
    const { hangUp } = send('busy/m');
    await eventually(() => stub.received === receivedBefore + 1);
    hangUp();
    await eventually(async () => (await gw.usage()).length === before + 1);
    const rec = (await gw.usage()).at(-1)!;
    assert.equal(rec.status, 499);
    assert.equal(rec.attempts.length, 1, 'the 429 attempt only, no retry');
    assert.equal(stub.received, receivedBefore + 1);
  });
});
