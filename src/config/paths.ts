import { chmodSync, closeSync, existsSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export interface Paths {
  home: string;
  config: string;
  db: string;
  adminToken: string;
  pidFile: string;
  /** the running daemon's address and pid, for the CLI and `top` */
  stateFile: string;
  logFile: string;
}

export interface PathOverrides {
  config?: string;
  db?: string;
}

/** Where everything lives: TOKENHUB_HOME (default ~/.tokenhub), with --config/--db overrides. */
export function resolvePaths(overrides: PathOverrides = {}, env: NodeJS.ProcessEnv = process.env): Paths {
  const home = resolve(env.TOKENHUB_HOME || join(homedir(), '.tokenhub'));
  return {
    home,
    config: resolve(overrides.config ?? join(home, 'config.yaml')),
    db: resolve(overrides.db ?? join(home, 'tokenhub.db')),
    adminToken: join(home, 'admin.token'),
    pidFile: join(home, 'tokenhub.pid'),
    stateFile: join(home, 'daemon.json'),
    logFile: join(home, 'tokenhub.log'),
  };
}

/** Creates the home folder with mode 0700 (and fixes the mode of one we created earlier). */
export function ensureHome(dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Writes a file that may hold secrets: mode 0600 from the first byte, replaced
 * atomically so a reader never sees half of it.
 */
export function writePrivateFile(path: string, content: string): void {
  ensureHome(dirname(path));
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
