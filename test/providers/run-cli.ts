/** Runs the CLI from source (no build needed), for the `tokenhub providers` tests in test/e2e. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** `tokenhub ARGS` with its own TOKENHUB_HOME and no colours. */
export function runTokenhub(args: string[], home: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const main = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], {
      env: { ...process.env, TOKENHUB_HOME: home, NO_COLOR: '1', FORCE_COLOR: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
