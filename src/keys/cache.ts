import { GatewayError } from '../errors.js';
import type { Target } from '../providers/types.js';
import type { ApiKeyRecord, KeyStore } from '../store/keys.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import { isWellFormedKey } from './format.js';
import { ipMatcher, type IpMatcher } from './ip.js';

/** A key as the hot path needs it: its record plus matchers compiled once. */
export interface ActiveKey {
  record: ApiKeyRecord;
  allowsModel: (target: Target, requested: string) => boolean;
  /** the client's socket address (undefined when unknown) */
  allowsIp: IpMatcher;
}

export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

export function modelMatcher(globs: string[] | null): ActiveKey['allowsModel'] {
  if (!globs || globs.length === 0) return () => true;
  const res = globs.map(globToRegExp);
  return (t, requested) => res.some((re) => re.test(t.servedAs) || re.test(t.model) || re.test(requested));
}

/** How many recently authenticated keys keep their hash (oldest out first). */
const RECENT_HASHES = 1024;
/** A key's SHA-256, as the index's hex and as bytes for the constant-time compare. */
interface Digest {
  hex: string;
  bytes: Buffer;
}
/** A key in the index, with its stored hash already as bytes. */
interface Indexed {
  key: ActiveKey;
  hashBytes: Buffer;
}
function digestOf(token: string): Digest {
  const bytes = createHash('sha256').update(token).digest();
  return { hex: bytes.toString('hex'), bytes };
}
const BEARER = /^Bearer\s+(\S+)\s*$/i;
const invalidKey = (why: string) => new GatewayError('invalid_api_key', why);

/**
 * Every key in memory, indexed by hash: authentication costs one SHA-256 (none for a key
 * seen a moment ago) and one map lookup. Reloaded whenever the database changes (the CLI writes keys directly).
 */
export class KeyCache {
  private byHash = new Map<string, Indexed>();
  /**
   * SHA-256 of keys that authenticated a moment ago, so a client's every request does not
   * hash its key again (it showed in the profile). Only keys that matched a record get in,
   * so unknown tokens can neither fill it nor push real keys out; a token's hash never
   * changes, so reloads need not clear it. The record and the constant-time compare of the
   * hashes still run on every request.
   */
  private readonly recentHashes = new Map<string, Digest>();
  private readonly listeners: ((records: ApiKeyRecord[]) => void)[] = [];

  constructor(
    private readonly store: KeyStore,
    /** ms since the epoch, for expiry */
    private readonly wallClock: () => number = Date.now,
  ) {
    this.reload();
  }

  reload(): void {
    const next = new Map<string, Indexed>();
    const records = this.store.list();
    for (const record of records) {
      const key = { record, allowsModel: modelMatcher(record.models), allowsIp: ipMatcher(record.ips) };
      next.set(record.hash, { key, hashBytes: Buffer.from(record.hash, 'hex') });
    }
    this.byHash = next;
    for (const listener of this.listeners) listener(records);
  }

  /** Calls `listener` with every key now and after each reload (limit state follows key edits). */
  onReload(listener: (records: ApiKeyRecord[]) => void): void {
    this.listeners.push(listener);
    listener([...this.byHash.values()].map((k) => k.key.record));
  }

  get size(): number {
    return this.byHash.size;
  }

  private rememberHash(token: string, digest: Digest): void {
    if (this.recentHashes.has(token)) return;
    if (this.recentHashes.size >= RECENT_HASHES) this.recentHashes.delete(this.recentHashes.keys().next().value!);
    this.recentHashes.set(token, digest);
  }

  /** From an Authorization header value (or a bare key); throws 401 invalid_api_key. */
  authenticate(header: string | undefined, now = this.wallClock()): ActiveKey {
    if (!header) throw invalidKey('Missing API key: send `Authorization: Bearer sk-th-…`');
    const m = BEARER.exec(header);
    const token = m ? m[1]! : header.trim();
    if (!isWellFormedKey(token)) throw invalidKey('Malformed API key: TokenHub keys look like sk-th-…');
    const digest = this.recentHashes.get(token) ?? digestOf(token);
    const indexed = this.byHash.get(digest.hex);
    // The map lookup already matched the hash; the constant-time compare keeps it honest if the index changes.
    if (!indexed || !timingSafeEqual(indexed.hashBytes, digest.bytes)) throw invalidKey('Incorrect API key provided');
    this.rememberHash(token, digest);
    const found = indexed.key;
    if (found.record.revokedAt !== null) throw invalidKey('This API key has been revoked');
    if (found.record.expiresAt !== null && found.record.expiresAt <= now) throw invalidKey('This API key has expired');
    return found;
  }
}
