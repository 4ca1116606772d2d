/**
 * Runs the real `bin/tokenhub` (built output) with a temp TOKENHUB_HOME, as a user would.
 * `npm test` builds first; run `npm run build` before running a CLI test file alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/tokenhub', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string | undefined> = {}, input?: string, opts: { cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, TOKENHUB_DEBUG: undefined, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** Starts a long-running command (serve) and resolves once its stdout matches `ready`. */
export function startCli(
  args: string[],
  env: Record<string, string | undefined>,
  ready: RegExp,
  timeoutMs = 10_000,
  /** another entry script than bin/tokenhub (the bench's daemon) */
  entry = BIN,
): Promise<{ child: ChildProcess; stdout: () => string; stderr: () => string; match: RegExpMatchArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`not ready within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.stdout!.on('data', (d) => {
      stdout += d;
      const m = stdout.match(ready);
      if (m) {
        clearTimeout(timer);
        resolve({ child, stdout: () => stdout, stderr: () => stderr, match: m });
      }
    });
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
  });
}

/** Sends SIGTERM and resolves with the exit code. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}
