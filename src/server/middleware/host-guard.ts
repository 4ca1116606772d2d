import { header } from '../headers.js';
import type { MiddlewareHandler } from 'hono';
import { GatewayError, errorBody } from '../../errors.js';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** The hostname of a Host header, without port and brackets. */
export function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  const colon = h.lastIndexOf(':');
  return colon > 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_NAMES.has(hostname) || hostname.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Whether a request with this Host header (absent: HTTP/1.0) may be answered. */
export function hostAllowed(host: string | undefined, allowedHosts: () => readonly string[]): boolean {
  if (host === undefined) return true;
  const name = hostnameOf(host);
  return isLoopbackHost(name) || allowedHosts().includes(name);
}

/**
 * Refuses requests whose Host header is not a loopback name (or one the config allows):
 * a web page can make a browser call localhost, but not with a foreign Host (DNS rebinding).
 */
export const hostGuard = (allowedHosts: () => readonly string[]) =>
  function hostGuard(c: Parameters<MiddlewareHandler>[0], next: Parameters<MiddlewareHandler>[1]) {
    const host = header(c, 'host');
    if (!hostAllowed(host, allowedHosts)) {
      const err = new GatewayError('forbidden_host', `Host ${JSON.stringify(host)} is not allowed; TokenHub answers loopback names only (server.allowed_hosts adds others)`);
      return Promise.resolve(c.body(errorBody(err), 403, { 'content-type': 'application/json' }));
    }
    return next(); // no async frame of its own: one fewer promise per request
  };
