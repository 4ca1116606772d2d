/**
 * Where the daemon listens. By default loopback only, on both 127.0.0.1 and ::1:
 * `localhost` resolves to ::1 first on many systems, and a client that finds nothing
 * there (or, worse, another program on the same port) should find TokenHub instead.
 */
import type { Server } from 'node:http';
import type { Logger } from '../util/log.js';

export class PortInUseError extends Error {
  readonly code = 'port_in_use';
  constructor(host: string, port: number) {
    super(`port ${port} on ${host} is already in use (is another tokenhub running? try \`tokenhub status\`, or --port)`);
  }
}

export function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(err.code === 'EADDRINUSE' ? new PortInUseError(host, port) : err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Whether binding `host` keeps the daemon on this machine. */
export function isLoopbackBind(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The warning for a bind other machines can reach, naming what is at stake. */
export function exposureWarning(host: string, port: number): string {
  return (
    `listening on ${host}:${port}, which is NOT a loopback address: any machine that can reach it can try keys ` +
    'against TokenHub, and a leaked or guessed key spends your provider credit. Traffic is plain HTTP (keys and prompts ' +
    'readable on the network), and TokenHub is not hardened as an internet gateway (see SECURITY.md). Prefer 127.0.0.1, ' +
    'or put a TLS reverse proxy and a firewall in front; Host names other than loopback also need server.allowed_hosts.'
  );
}

/**
 * Also listens on ::1 at `port` when the main bind is the default IPv4 loopback. A
 * machine without IPv6 skips it quietly; a port taken on ::1 by another program is
 * warned about, since `localhost` may then reach that program instead.
 */
export async function listenIpv6Loopback(make: () => Server, port: number, log: Logger): Promise<Server | undefined> {
  const server = make();
  try {
    await listen(server, '::1', port);
    return server;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (err instanceof PortInUseError) {
      log.warn(`port ${port} on ::1 is in use by another program: clients that resolve localhost to ::1 reach it, not TokenHub; use http://127.0.0.1:${port}`);
    } else {
      log.debug('not listening on ::1', { error: code ?? String(err) });
    }
    return undefined;
  }
}

/** Stops accepting and resolves once in-flight requests finished, cutting them after `graceMs`. */
export function closeGracefully(server: Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const force = setTimeout(() => {
      server.closeAllConnections();
    }, graceMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
