/**
 * Loop detection. Every request TokenHub sends a provider carries `x-tokenhub-hops`: the
 * ids of the TokenHub daemons it has passed through, its own last. A daemon that finds its
 * own id in an incoming request is looking at its own traffic come back (a provider
 * base_url that leads to TokenHub itself, directly or through another gateway that
 * forwards headers) and refuses it at once, instead of forwarding it around the loop
 * until sockets run out. Ids are random per daemon start, so two daemons chained on
 * purpose are not mistaken for a loop.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';

export const HOPS_HEADER = 'x-tokenhub-hops';

/** Chains longer than this are refused even without our id in them (a loop through daemons that lost their ids). */
export const MAX_HOPS = 8;

export const newHopId = (): string => randomBytes(6).toString('hex');

/**
 * The inbound chain of the request being served, for the upstream call it makes. Only
 * requests that arrived with a chain (from another TokenHub) run inside it: the common
 * request pays nothing.
 */
export const inboundHops = new AsyncLocalStorage<string>();

/** The ids in a hops header value. */
export function parseHops(value: string | undefined): string[] {
  return value ? value.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

/** The header value an upstream call made now carries. */
export function outboundHops(ownId: string): string {
  const inbound = inboundHops.getStore();
  return inbound ? `${inbound},${ownId}` : ownId;
}
