import type { IncomingMessage } from 'node:http';
import type { Exchange } from './context.js';

/**
 * A request header by lower-case name. Under Node it is read from the parsed
 * IncomingMessage: `c.req.header()` would first build a web Headers object from the
 * raw headers, which showed in the profile on every request.
 */
export function header(c: Exchange, name: string): string | undefined {
  const headers = (c.env as { incoming?: Partial<IncomingMessage> } | undefined)?.incoming?.headers;
  if (!headers) return c.req?.header(name);
  const v = headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}
