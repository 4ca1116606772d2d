import { GatewayError } from '../errors.js';
import type { Target } from '../providers/types.js';
import type { ApiKeyRecord, KeyStore } from '../store/keys.js';
import { constantTimeEqualHex, hashKey, isWellFormedKey } from './format.js';
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

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const invalidKey = (why: string) => new GatewayError('invalid_api_key', why);

/**
 * Every key in memory, indexed by hash: authentication costs one SHA-256 and one map
 * lookup. Reloaded whenever the database changes (the CLI writes keys directly).
 */
export class KeyCache {
  private byHash = new Map<string, ActiveKey>();
  private readonly listeners: ((records: ApiKeyRecord[]) => void)[] = [];

  constructor(
    private readonly store: KeyStore,
    /** ms since the epoch, for expiry */
    private readonly wallClock: () => number = Date.now,
  ) {
    this.reload();
  }

  reload(): void {
    const next = new Map<string, ActiveKey>();
    const records = this.store.list();
    for (const record of records) {
      next.set(record.hash, { record, allowsModel: modelMatcher(record.models), allowsIp: ipMatcher(record.ips) });
    }
    this.byHash = next;
    for (const listener of this.listeners) listener(records);
  }

  /** Calls `listener` with every key now and after each reload (limit state follows key edits). */
  onReload(listener: (records: ApiKeyRecord[]) => void): void {
    this.listeners.push(listener);
    listener([...this.byHash.values()].map((k) => k.record));
  }

  get size(): number {
    return this.byHash.size;
  }

  /** From an Authorization header value (or a bare key); throws 401 invalid_api_key. */
  authenticate(header: string | undefined, now = this.wallClock()): ActiveKey {
    if (!header) throw invalidKey('Missing API key: send `Authorization: Bearer sk-th-…`');
    const m = BEARER.exec(header);
    const token = m ? m[1]! : header.trim();
    if (!isWellFormedKey(token)) throw invalidKey('Malformed API key: TokenHub keys look like sk-th-…');
    const hash = hashKey(token);
    const found = this.byHash.get(hash);
    // The map lookup already matched the hash; the constant-time compare keeps it honest if the index changes.
    if (!found || !constantTimeEqualHex(found.record.hash, hash)) throw invalidKey('Incorrect API key provided');
    if (found.record.revokedAt !== null) throw invalidKey('This API key has been revoked');
    if (found.record.expiresAt !== null && found.record.expiresAt <= now) throw invalidKey('This API key has expired');
    return found;
  }
}
