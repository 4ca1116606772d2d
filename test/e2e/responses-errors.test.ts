import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

describe('/v1/responses: bad input, hang-ups and the WebSocket attempt', () => {
  let fake: FakeOpenAI;
  let gw: TestGateway;

  before(async () => {
    fake = await startFakeOpenAI();
    // 0.05 MB: a body of 60 kB is over the limit
    gw = await startGateway({
      server: { max_body_mb: 0.05 },
      providers: {
        acme: fakeProvider(fake.url, { 'gpt-fake': { input: 1, output: 2 } }),
        // the same server, with a short idle timeout: a stream that stalls breaks off
        stally: { ...fakeProvider(fake.url, { 'gpt-stall': null }), timeouts: { idle_ms: 300 } },
      },
    });
  });
  after(async () => {
    await gw.close();
    await fake.close();
  });

  const post = (body: unknown, key = gw.key) =>
    fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  const cases: { name: string; body: () => unknown; status: number; param: string | null; message: RegExp }[] = [
    { name: 'input that is not a list', body: () => ({ model: 'gpt-fake', input: 42 }), status: 400, param: 'input', message: /expected a string or an array of items/ },
    { name: 'a malformed item list', body: () => ({ model: 'gpt-fake', input: [{ role: 'user', content: 7 }] }), status: 400, param: 'input[0].content', message: /array of content parts/ },
    { name: 'an unknown item type', body: () => ({ model: 'gpt-fake', input: [{ type: 'banana' }] }), status: 400, param: 'input[0].type', message: /unknown item type "banana"/ },
    {
      name: 'a function_call_output whose call_id matches nothing',
      body: () => ({ model: 'gpt-fake', input: [{ role: 'user', content: 'hi' }, { type: 'function_call_output', call_id: 'call_nowhere', output: 'x' }] }),
      status: 400,
      param: 'input[1].call_id',
      message: /No tool call found for function call output with call_id call_nowhere/,
    },
    { name: 'a previous_response_id that does not exist', body: () => ({ model: 'gpt-fake', input: 'hi', previous_response_id: 'resp_missing' }), status: 404, param: 'previous_response_id', message: /resp_missing' not found/ },
    {
      name: 'an item_reference to an item this key never stored',
      body: () => ({ model: 'gpt-fake', input: [{ role: 'user', content: 'hi' }, { type: 'item_reference', id: 'msg_0123456789abcdefghij0' }] }),
      status: 400,
      param: 'input[1].id',
      message: /Item with id 'msg_0123456789abcdefghij0' not found/,
    },
    { name: 'a built-in tool the provider cannot run', body: () => ({ model: 'gpt-fake', input: 'hi', tools: [{ type: 'web_search' }] }), status: 400, param: 'tools[0].type', message: /built-in tool type "web_search"/ },
    { name: 'a body over the size limit', body: () => ({ model: 'gpt-fake', input: 'x'.repeat(60_000) }), status: 413, param: null, message: /larger than the limit/ },
  ];

  for (const c of cases) {
    test(`${c.name}: the error envelope, and exactly one usage record`, async () => {
      const before = fake.requests.length;
      const res = await post(c.body());
      assert.equal(res.status, c.status);
      const body = (await res.json()) as { error: { message: string; type: string; code: string; param: string | null } };
      assert.match(body.error.message, c.message);
      assert.equal(body.error.param, c.param);
      assert.equal(typeof body.error.type, 'string');
      assert.equal(typeof body.error.code, 'string');
      assert.equal(fake.requests.length, before, 'the provider is not asked');
      const id = res.headers.get('x-request-id');
      const records = (await gw.usage()).filter((r) => r.requestId === id);
      assert.equal(records.length, 1);
      assert.equal(records[0]!.endpoint, 'responses');
      assert.equal(records[0]!.status, c.status);
    });
  }

  test("another key's response id is a 404 that says nothing of it", async () => {
    const stored = (await (await post({ model: 'gpt-fake', input: 'secret plans' })).json()) as { id: string };
    const other = gw.mintKey({ name: 'other' }).key;
    const res = await post({ model: 'gpt-fake', input: 'and?', previous_response_id: stored.id }, other);
    assert.equal(res.status, 404);
    const text = await res.text();
    assert.ok(!text.includes('secret'));
    const records = (await gw.usage()).filter((r) => r.requestId === res.headers.get('x-request-id'));
    assert.equal(records.length, 1);
  });

  test('after all of that the daemon still serves', async () => {
    const res = await post({ model: 'gpt-fake', input: 'hi' });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { status: string }).status, 'completed');
  });

  test('a client hanging up mid-stream aborts the provider request and is recorded', async () => {
    fake.setReply(() => ({ pieces: Array(50).fill('word '), chunkDelayMs: 20 }));
    const abort = new AbortController();
    const res = await fetch(`${gw.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-fake', input: 'talk', stream: true }),
      signal: abort.signal,
    });
    const requestId = res.headers.get('x-request-id');
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('response.output_text.delta')) seen += new TextDecoder().decode((await reader.read()).value);
    const abortedBefore = fake.aborted;
    abort.abort();
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(fake.aborted, abortedBefore + 1);
    const record = (await gw.usage()).find((r) => r.requestId === requestId)!;
    assert.equal(record.status, 499);
    assert.equal(record.endpoint, 'responses');
    fake.setReply(() => ({}));
  });

  test('a provider stream that breaks off after the first text ends in response.failed; the SDK sees a failed response; one record', async () => {
    fake.setReply(() => ({ pieces: ['a', 'b', 'c', 'd'], fault: 'hang-mid-stream' }));
    const stream = gw.client.responses.stream({ model: 'gpt-stall', input: 'x' });
    const events: any[] = [];
    for await (const ev of stream) events.push(ev);
    const final = await stream.finalResponse();
    assert.deepEqual(events.map((e) => e.type).slice(-2), ['response.output_text.delta', 'response.failed']);
    assert.equal(final.status, 'failed');
    assert.equal(final.error!.code, 'upstream_error');
    assert.match(final.error!.message, /broke off/);
    const records = (await gw.usage()).filter((r) => r.requestedModel === 'gpt-stall');
    assert.deepEqual(records.map((r) => [r.endpoint, r.status]), [['responses', 502]]);
    fake.setReply(() => ({}));
  });

  test('a WebSocket upgrade on /v1/responses is refused at once, so Codex falls back to HTTP', async () => {
    const url = new URL(`${gw.url}/v1/responses`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        headers: { authorization: `Bearer ${gw.key}`, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('upgrade', () => reject(new Error('upgraded')));
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 426);
  });
});
