import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ProviderRuntime } from '../../src/providers/types.js';
import { AbortHandle } from '../../src/upstream/abort.js';
import { splitBaseUrl, UpstreamClient } from '../../src/upstream/client.js';

describe('the URL a provider call goes to', () => {
  let server: Server;
  let origin = '';
  const seen: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const provider = (baseUrl: string) =>
    ({ name: 'p', type: 'openai-compatible', baseUrl, apiKey: undefined, headers: {}, timeouts: { connectMs: 1000, firstByteMs: 1000, idleMs: 1000, totalMs: 1000 }, weight: 1, streamUsage: false }) as ProviderRuntime;

  test('is the base URL and the call path, as URL parsing would send them (with or without the parsed-once fast path)', async () => {
    const client = new UpstreamClient();
    const cases: [string, string][] = [
      ['', '/chat/completions'],
      ['/v1', '/chat/completions'],
      ['/openai/v1', '/models/gemini-2.5-pro:streamGenerateContent?alt=sse'],
      ['/v1', '/models/a model with spaces:generateContent'],
      ['/v1', '/models/../../admin'],
      ['/v1?api-version=2024-10-21', ''],
    ];
    for (const [basePath, path] of cases) {
      const res = await client.send(provider(origin + basePath), { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: '{}' }, { signal: new AbortHandle(), headersTimeoutMs: 1000, bodyTimeoutMs: 1000 });
      await res.body.text();
      const expected = new URL(origin + basePath + path);
      assert.equal(seen.at(-1), expected.pathname + expected.search, `${basePath} + ${path}`);
    }
    await client.close();
  });

  test('a base URL splits into origin and path prefix once; one with a query or credentials does not', () => {
    assert.deepEqual(splitBaseUrl('https://API.example.com:443/openai/v1/'), { origin: 'https://api.example.com', path: '/openai/v1' });
    assert.deepEqual(splitBaseUrl('http://127.0.0.1:11434'), { origin: 'http://127.0.0.1:11434', path: '' });
    assert.equal(splitBaseUrl('https://x.openai.azure.com/openai?api-version=2024-10-21'), null);
    assert.equal(splitBaseUrl('https://user:pw@example.com/v1'), null);
    assert.equal(splitBaseUrl('not a url'), null);
  });
});

describe('AbortHandle', () => {
  // The timeout only turns a hang (abort not reaching undici) into a failure.
  test('undici takes it as a signal: a call waiting for its answer stops at abort, with the reason given', { timeout: 10_000 }, async () => {
    let arrived!: () => void;
    const seen = new Promise<void>((r) => (arrived = r));
    const server = createServer(() => arrived()); // never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const client = new UpstreamClient();
    const provider = { name: 'p', type: 'openai-compatible', baseUrl: `http://127.0.0.1:${port}`, apiKey: undefined, headers: {}, timeouts: { connectMs: 1000, firstByteMs: 60_000, idleMs: 60_000, totalMs: 60_000 }, weight: 1, streamUsage: false } as ProviderRuntime;
    const handle = new AbortHandle();
    const sent = client.send(provider, { method: 'POST', path: '/x', headers: {}, body: '{}' }, { signal: handle, headersTimeoutMs: 60_000, bodyTimeoutMs: 60_000 });
    await seen;
    const reason = new Error('the client went away');
    handle.abort(reason);
    await assert.rejects(sent, (err) => err === reason);
    await client.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('listeners run once, in order; a removed one does not run; an abort after the first does nothing', () => {
    const handle = new AbortHandle();
    const calls: string[] = [];
    const a = (r: unknown) => calls.push(`a:${String(r)}`);
    const b = () => calls.push('b');
    const c = () => calls.push('c');
    handle.once('abort', a).once('abort', b).once('abort', c);
    handle.removeListener('abort', b);
    handle.abort('why');
    handle.abort('again');
    assert.deepEqual(calls, ['a:why', 'c']);
    assert.equal(handle.aborted, true);
    assert.equal(handle.reason, 'why');
  });
});
