import { BlockList, isIP } from 'node:net';

/** A client-address check compiled once per key; `undefined` means the address is unknown. */
export type IpMatcher = (address: string | undefined) => boolean;

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

const MAPPED_V4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** `::ffff:1.2.3.4` (what a dual-stack socket reports for an IPv4 client) → `1.2.3.4`. */
export function unmapIPv4(address: string): string {
  const m = MAPPED_V4.exec(address);
  return m ? m[1]! : address;
}

/** "10.0.0.0/8", "::1/128", or a bare address (a single host); throws with a readable reason. */
export function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const rawAddress = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const address = unmapIPv4(rawAddress.replace(/^\[(.*)\]$/, '$1'));
  const version = isIP(address);
  if (version === 0) throw new Error(`${JSON.stringify(text)} is not an IP address or CIDR (e.g. 10.0.0.0/8, ::1/128)`);
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const p = trimmed.slice(slash + 1);
    prefix = /^\d{1,3}$/.test(p) ? Number(p) : NaN;
    // an IPv4-mapped CIDR such as ::ffff:10.0.0.0/104 is the IPv4 range 10.0.0.0/8
    if (version === 4 && address !== rawAddress && prefix >= 96) prefix -= 96;
    if (!(prefix >= 0 && prefix <= max)) throw new Error(`${JSON.stringify(text)}: the prefix length must be 0–${max}`);
  }
  return { address, prefix, family };
}

/**
 * Compiles an IP allowlist. No list allows every address. With a list, an unknown
 * address (no socket, e.g. `app.request()` in tests) is refused: fail closed.
 */
export function ipMatcher(cidrs: string[] | null): IpMatcher {
  if (!cidrs || cidrs.length === 0) return () => true;
  const list = new BlockList();
  for (const text of cidrs) {
    try {
      const c = parseCidr(text);
      list.addSubnet(c.address, c.prefix, c.family);
    } catch {
      // A malformed entry (written around the CLI) matches nothing rather than everything.
    }
  }
  return (address) => {
    if (!address) return false;
    const plain = unmapIPv4(address.replace(/%.*$/, ''));
    const version = isIP(plain);
    if (version === 0) return false;
    return list.check(plain, version === 4 ? 'ipv4' : 'ipv6');
  };
}
