/**
 * TOKENHUB_HOME holds provider keys (config.yaml), hashed TokenHub keys and every
 * request's metadata (the database), and the admin token. TokenHub creates it 0700 and
 * its files 0600; a home or file made looser by hand, by a copy or by an older tool is
 * named at start with the command that fixes it (never changed silently: it may be shared on purpose).
 */
import { statSync } from 'node:fs';
import type { Paths } from './paths.js';

const quote = (p: string) => `'${p.replace(/'/g, `'\\''`)}'`;
const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/** One warning per path that group or others may read or write; none on Windows (no POSIX modes). */
export function looseModeWarnings(paths: Paths, platform: NodeJS.Platform = process.platform): string[] {
  if (platform === 'win32') return [];
  const out: string[] = [];
  const check = (path: string, what: string, want: number) => {
    let mode: number;
    try {
      mode = statSync(path).mode;
    } catch {
      return; // not there (yet): TokenHub creates it private
    }
    if ((mode & 0o077) === 0) return;
    out.push(`${what} ${path} has mode ${octal(mode)}: other users on this machine may read it. Fix: chmod ${want.toString(8)} ${quote(path)}`);
  };
  check(paths.home, 'TOKENHUB_HOME', 0o700);
  check(paths.config, 'config file (provider keys)', 0o600);
  for (const side of ['', '-wal', '-shm']) check(paths.db + side, 'database (key hashes, usage)', 0o600);
  check(paths.adminToken, 'admin token', 0o600);
  check(paths.logFile, 'log file', 0o600);
  return out;
}
