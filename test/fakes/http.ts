/** What every fake provider shares: reading a request as recorded, and a loopback server on port 0. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** the path without the query, percent-decoded */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: Record<string, any>;
  /** the body's text as it arrived */
  raw: string;
}

export async function readRequest(req: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const url = new URL(req.url ?? '/', 'http://fake');
  return {
    method: req.method ?? '',
    path: decodeURIComponent(url.pathname),
    query: url.searchParams,
    headers: req.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    raw: text,
  };
}

/** Serves `handle` on 127.0.0.1 at a free port; a handler that throws drops the connection. */
export async function listenLoopback(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
