/**
 * What `keys` and `keys edit`/`show` share: finding a key, how a key prints, the --ips
 * parser. Its own module, so the two command files do not import each other.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { parseCidr } from '../keys/ip.js';
import type { ApiKeyRecord } from '../store/keys.js';
import { pathsOf, withDb } from './context.js';
import { CliError, formatUsd, style } from './output.js';
import { parseList } from './parse.js';

/** "--ips 10.0.0.0/8,::1" → validated CIDRs; a typo is a usage error, not a key that matches nothing. */
export function parseCidrs(text: string, previous: string[] = []): string[] {
  const list = parseList(text, previous);
  for (const c of list) {
    try {
      parseCidr(c);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  }
  return list;
}

/** A key as scripts see it: never the hash, never the secret. */
export function keyJson(k: ApiKeyRecord) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    created_at: new Date(k.createdAt).toISOString(),
    expires_at: k.expiresAt ? new Date(k.expiresAt).toISOString() : null,
    revoked_at: k.revokedAt ? new Date(k.revokedAt).toISOString() : null,
    status: keyStatus(k),
    models: k.models,
    ips: k.ips,
    budget_usd: k.budgetUsd,
    budget_period: k.budgetPeriod,
    rpm: k.rpm,
    tpm: k.tpm,
  };
}

export function keyStatus(k: ApiKeyRecord, now = Date.now()): 'active' | 'revoked' | 'expired' {
  if (k.revokedAt !== null) return 'revoked';
  if (k.expiresAt !== null && k.expiresAt <= now) return 'expired';
  return 'active';
}

export function limitsText(k: ApiKeyRecord): string {
  const parts: string[] = [];
  if (k.models) parts.push(`models ${k.models.join(',')}`);
  if (k.ips) parts.push(`ips ${k.ips.join(',')}`);
  if (k.budgetUsd !== null) parts.push(`${formatUsd(k.budgetUsd)}/${k.budgetPeriod}`);
  if (k.rpm !== null) parts.push(`${k.rpm} rpm`);
  if (k.tpm !== null) parts.push(`${k.tpm} tpm`);
  return parts.join('; ') || style.dim('none');
}

export async function findKey(cmd: Command, ref: string): Promise<ApiKeyRecord> {
  const { SqliteKeyStore } = await import('../store/keys.js');
  const found = await withDb(pathsOf(cmd), (db) => new SqliteKeyStore(db).find(ref));
  if (!found) throw new CliError(`no key matches ${JSON.stringify(ref)} (use an id or prefix from \`tokenhub keys list\`)`);
  return found;
}
