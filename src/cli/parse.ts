import { InvalidArgumentError } from 'commander';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** "30d", "12h", "2w" → ms; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([mhdw])$/.exec(text.trim());
  return m ? Number(m[1]) * UNITS[m[2]!]! : undefined;
}

/** "--expires 30d" or an ISO date → a future timestamp (ms). */
export function parseExpiry(text: string, now = Date.now()): number {
  const d = parseDuration(text);
  if (d !== undefined) return now + d;
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new InvalidArgumentError('expected a duration like 30d or 12h, or an ISO date like 2027-01-31');
  if (t <= now) throw new InvalidArgumentError('the expiry date is in the past');
  return t;
}

/** "--since 24h" or an ISO date → a past timestamp (ms). */
export function parseSince(text: string, now = Date.now()): number {
  const d = parseDuration(text);
  if (d !== undefined) return now - d;
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new InvalidArgumentError('expected a duration like 24h or 7d, or an ISO date');
  return t;
}

export function parsePositiveNumber(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

export function parsePositiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

export function parsePort(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return n;
}

/** "a,b, c" → ["a","b","c"]; repeated flags accumulate. */
export function parseList(text: string, previous: string[] = []): string[] {
  return previous.concat(text.split(',').map((s) => s.trim()).filter(Boolean));
}

export function collect(value: string, previous: string[] = []): string[] {
  return previous.concat(value);
}
