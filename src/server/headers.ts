import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/**
 * A request header by lower-case name. Under Node it is read from the parsed
 * IncomingMessage: `c.req.header()` would first build a web Headers object from the
 * raw headers, which showed in the profile on every request.
 */
export function header(c: Context, name: string): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming) return c.req.header(name);
  const v = incoming.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}
