/**
 * Drives a terminal program (a TUI) in a private tmux server, as a user at a keyboard
 * would: keys typed with send-keys, the screen read with capture-pane. Each terminal has
 * its own server on a socket in its own temp dir (`tmux -S`), so closing it never touches
 * another tmux server and leaves no socket file behind (tmux keeps it after exiting).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TMUX = '/usr/bin/tmux';

/**
 * The environment a person at a terminal has: not inside another tmux, and not in CI
 * (CI=true, which .ci/run sets, makes tools such as Gemini CLI refuse to be interactive).
 */
function interactiveEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'TMUX' || k === 'CI' || k === 'CONTINUOUS_INTEGRATION' || k.startsWith('CI_')) continue;
    env[k] = v;
  }
  return env;
}

export interface Terminal {
  /** the visible screen as plain text */
  screen(): string;
  /** types text literally (no key names) */
  type(text: string): void;
  /** presses named keys: 'Enter', 'C-c', 'Escape' */
  press(...keys: string[]): void;
  /** resolves with the screen once it matches, polling; the bound only stops a hanging test */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** resolves once the program has exited (its session is gone) */
  waitForExit(timeoutMs?: number): Promise<void>;
  /** kills the tmux server and whatever still runs in it */
  close(): void;
}

/**
 * Starts `command` (argv, run without a shell) in a detached `cols`×`rows` terminal, in
 * `cwd`, with exactly `env` added to the server's environment. `stderrFile`, if given,
 * receives the program's stderr (the TUI draws on stdout, so the screen stays whole).
 */
export function openTerminal(opts: { name: string; command: string[]; cwd: string; env: Record<string, string>; cols?: number; rows?: number; stderrFile?: string }): Terminal {
  const dir = mkdtempSync(join(tmpdir(), `${opts.name}-tmux-`));
  const socket = join(dir, 'socket');
  const tmux = (...args: string[]) => execFileSync(TMUX, ['-S', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  let shell = `exec ${opts.command.map(quote).join(' ')}`;
  if (opts.stderrFile) shell += ` 2>${quote(opts.stderrFile)}`;
  // -f /dev/null: no user tmux.conf changes the size or keys
  execFileSync(TMUX, ['-f', '/dev/null', '-S', socket, 'new-session', '-d', '-s', 'main', '-x', String(opts.cols ?? 120), '-y', String(opts.rows ?? 40), '-c', opts.cwd, ...Object.entries(opts.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), shell], {
    env: interactiveEnv(),
    stdio: 'ignore',
  });
  const alive = () => {
    try {
      tmux('has-session', '-t', 'main');
      return true;
    } catch {
      return false;
    }
  };
  const screen = () => (alive() ? tmux('capture-pane', '-p', '-t', 'main') : '');
  const stderrTail = () => {
    if (!opts.stderrFile) return '';
    try {
      return `\nstderr:\n${readFileSync(opts.stderrFile, 'utf8').slice(-2000)}`;
    } catch {
      return '';
    }
  };
  const poll = async (done: () => boolean, timeoutMs: number, what: () => string) => {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`${what()} (gave up after ${timeoutMs} ms)`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return {
    screen,
    type: (text) => void tmux('send-keys', '-t', 'main', '-l', text),
    press: (...keys) => void tmux('send-keys', '-t', 'main', ...keys),
    async waitFor(pattern, timeoutMs = 60_000) {
      let last = '';
      const gone = () => {
        if (alive()) return false;
        // the program exited before showing it: say so at once, with what it wrote to stderr
        throw new Error(`the program exited before the screen showed ${pattern}${stderrTail()}`);
      };
      await poll(() => pattern.test((last = screen())) || gone(), timeoutMs, () => `the screen never showed ${pattern}; it shows:\n${last}${stderrTail()}`);
      return last;
    },
    waitForExit: (timeoutMs = 30_000) => poll(() => !alive(), timeoutMs, () => `the program did not exit; the screen shows:\n${screen()}`),
    close() {
      try {
        tmux('kill-server');
      } catch {
        // already gone: the program exited and the server with it
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
