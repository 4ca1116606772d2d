/**
 * Every command's --help against the synopsis in SPEC §2: each option the spec gives a
 * command appears in that command's own help (global ones included, e.g. serve --db).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';

/** SPEC §2, one command per row: the options (and argument words) its help must name. */
const SPEC: [string[], string[]][] = [
  [['init'], []],
  [['serve'], ['--host', '--port', '--config', '--db', '--demo', '--detach', '127.0.0.1', '8420']],
  [['stop'], []],
  [['status'], ['--json']],
  [['providers', 'add'], ['<name>', '--type', 'openai', 'anthropic', 'gemini', 'openai-compatible', '--base-url', '--api-key-env', '--api-key', '--model']],
  [['providers', 'list'], ['--json']],
  [['providers', 'remove'], ['<name>']],
  [['providers', 'test'], ['<name>']],
  [['keys', 'create'], ['--name', '--models', '--ips', '--budget', '--budget-period', 'day', 'week', 'month', 'total', '--rpm', '--tpm', '--expires', '30d', 'ISO']],
  [['keys', 'list'], ['--json']],
  [['keys', 'show'], ['<id-or-prefix>']],
  [['keys', 'revoke'], ['<id-or-prefix>']],
  [['routes', 'set'], ['<model-or-alias>', '--strategy', '--targets', '--fallback']],
  [['routes', 'list'], ['--json']],
  [['routes', 'remove'], ['<model-or-alias>']],
  [['strategy'], ['cost', 'latency', 'availability', 'round-robin']],
  [['models'], ['--json']],
  [['usage'], ['--since', '24h', '7d', 'ISO', '--key', '--by', 'provider', 'model', 'key', 'day', '--json']],
  [['top'], ['--url', '--once', '--json']],
  [['env'], ['--key', '--shell', 'sh', 'fish', 'powershell', 'OpenAI', 'Anthropic', 'Gemini', 'Codex']],
  [['run'], ['--budget', '--models', '--rpm', '--', 'revoke']],
];

describe('--help says what SPEC §2 says', () => {
  test('each command’s help names every option the spec gives it', async () => {
    const missing: string[] = [];
    for (const [cmd, words] of SPEC) {
      const r = await runCli([...cmd, '--help']);
      assert.equal(r.code, 0, cmd.join(' '));
      for (const w of words) if (!r.stdout.includes(w)) missing.push(`tokenhub ${cmd.join(' ')} --help lacks ${w}`);
    }
    assert.deepEqual(missing, []);
  });

  test('the top-level help lists every command the spec names', async () => {
    const r = await runCli(['--help']);
    for (const cmd of new Set(SPEC.map(([c]) => c[0]!))) assert.match(r.stdout, new RegExp(`^  ${cmd}\\b`, 'm'), cmd);
  });
});

describe('output into a pipe that is closed early', () => {
  test('a reader that stops reading (| head) ends the command quietly with 0, not an EPIPE stack trace', async () => {
    const { spawn } = await import('node:child_process');
    const { BIN } = await import('../helpers/cli.js');
    // The read end is closed before the CLI writes a byte, so its first write meets EPIPE.
    const child = spawn(process.execPath, [BIN, '--help'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });
});
