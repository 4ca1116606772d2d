/**
 * An unreadable event after the stream has begun (a proxy's page spliced in, a line cut
 * short): the client gets an error in its own protocol instead of a garbled chunk, and
 * the record is a failure. The provider holds the rest until the client has read the
 * beginning, so the break is mid-stream by construction, not by timing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
const GARBAGE = 'data: <html><body>502 Bad Gateway</body></html>\n\n';

/** [what is sent at once, what is sent once the test opens the gate] */
function split(sse: string, afterFirst: string): [string, string] {
  const at = sse.indexOf('\n\n', sse.indexOf(afterFirst)) + 2;
  return [sse.slice(0, at), GARBAGE + sse.slice(at)];
}
const STREAMS: Record<string, [string, string]> = {
  openai: split(fixture('openai/chat-stream-hello.sse'), '"content":"Hello"'),
  anthropic: split(fixture('anthropic/text.sse'), '"text":"Hello"'),
};

describe('an unreadable event mid-stream', () => {
  let server: Server;
  let gw: TestGateway;
  let open: () => void = () => {};

  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const [head, tail] = STREAMS[req.url!.split('/')[1]!]!;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(head);
        open = () => res.end(tail);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    gw = await startGateway({
      providers: {
        openai: fakeProvider(`${url}/openai/v1`, { m: { input: 1, output: 1 } }),
        claude: { type: 'anthropic', base_url: `${url}/anthropic`, api_key: 'sk-ant-upstream-0123456789', models: { m: { input: 1, output: 1 } } },
      },
    });
  });
  after(async () => {
    await gw.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  test('OpenAI-shaped: the SDK raises an error after the text it got, and the record is a 502', async () => {
    const stream = await gw.client.chat.completions.create({ model: 'openai/m', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    let error: unknown;
    try {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        if (text === 'Hello') open();
      }
    } catch (err) {
      error = err;
    }
    assert.equal(text, 'Hello');
    assert.match(String((error as Error | undefined)?.message), /unreadable stream event: "<html>/);
    const rec = (await gw.usage()).at(-1)!;
    assert.equal(rec.status, 502);
  });

  test("Anthropic natively: the stream ends with Anthropic's error event, nothing garbled passes", async () => {
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': gw.key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude/m', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      if (text.includes('"text":"Hello"')) open();
    }
    assert.doesNotMatch(text, /^data: <html>/m, 'the garbled line is not relayed');
    assert.doesNotMatch(text, /wörld/, 'nor anything after it');
    assert.match(text, /event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"the provider sent an unreadable stream event/);
    const rec = (await gw.usage()).at(-1)!;
    assert.equal(rec.status, 502);
  });
});
