/**
 * A fake upstream that answers with recorded fixture files byte for byte (JSON, or SSE
 * sent event by event), whatever the path: the test picks the fixture per request.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listenLoopback, readRequest, type RecordedRequest } from './http.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

export interface ReplayReply {
  /** a path under test/fixtures/; `.sse` files are streamed, anything else is sent as JSON */
  fixture: string;
  status?: number;
}

export interface ReplayServer {
  /** base URL including /v1 */
  url: string;
  requests: RecordedRequest[];
  reply(fn: (req: RecordedRequest) => ReplayReply): void;
  close(): Promise<void>;
}

export const fixture = (path: string): string => readFileSync(join(FIXTURES, path), 'utf8');

export async function startReplay(initial: (req: RecordedRequest) => ReplayReply): Promise<ReplayServer> {
  let replyFor = initial;
  const requests: RecordedRequest[] = [];
  const server = await listenLoopback(async (req, res) => {
    const recorded = await readRequest(req);
    requests.push(recorded);
    const reply = replyFor(recorded);
    const text = fixture(reply.fixture);
    if (!reply.fixture.endsWith('.sse')) {
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
      res.end(text);
      return;
    }
    res.writeHead(reply.status ?? 200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    for (const frame of text.split(/(?<=\n\n)/)) {
      if (res.destroyed) return;
      res.write(frame);
      await new Promise((r) => setImmediate(r));
    }
    res.end();
  });
  return {
    url: `${server.origin}/v1`,
    requests,
    reply: (fn) => {
      replyFor = fn;
    },
    close: server.close,
  };
}
