import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { formatEnv } from '../../src/cli/env.js';
import { runCli, startCli, stopChild } from '../helpers/cli.js';
import { tempHome, writeConfig } from '../helpers/gateway.js';

const NAMES = [
  'OPENAI_BASE_URL',
  'OPENAI_API_KEY',
  'CODEX_API_KEY',
  'ANTHROPIC_BASE_URL',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'GOOGLE_GEMINI_BASE_URL',
  'GEMINI_API_KEY',
  'GEMINI_CLI_SYSTEM_SETTINGS_PATH',
];

/** What `eval "$(tokenhub env)"` leaves in a POSIX shell (one that had a real Anthropic key set). */
function evalInSh(script: string): Record<string, string> {
  const env = { ...process.env, ANTHROPIC_API_KEY: 'sk-ant-real-key-of-the-user' };
  const out = execFileSync('sh', ['-c', `eval "$(cat)"; for n in ${NAMES.join(' ')}; do eval "printf '%s=%s\\n' $n \\"\\$$n\\""; done`], { input: script, encoding: 'utf8', env });
  return Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

describe('tokenhub env', () => {
  test('points both SDK families at the running daemon with a freshly minted key, and says so on stderr', async () => {
    const home = tempHome();
    const env = { TOKENHUB_HOME: home };
    const serve = await startCli(['serve', '--port', '0'], env, /listening on (http:\/\/\S+)\/v1/);
    try {
      const root = serve.match[1]!;
      const r = await runCli(['env'], env);
      assert.equal(r.code, 0, r.stderr);
      const vars = evalInSh(r.stdout);
      assert.equal(vars.OPENAI_BASE_URL, `${root}/v1`);
      assert.equal(vars.ANTHROPIC_BASE_URL, root, 'Anthropic SDKs append /v1/messages themselves');
      assert.match(vars.OPENAI_API_KEY!, /^sk-th-[0-9A-Za-z]{32,}$/);
      assert.equal(vars.ANTHROPIC_API_KEY, '', 'unset: Claude Code would ask about it, SDKs would send it instead');
      assert.equal(vars.ANTHROPIC_AUTH_TOKEN, vars.OPENAI_API_KEY);
      assert.equal(vars.GOOGLE_GEMINI_BASE_URL, root, 'Google Gen AI SDKs append /v1beta/models/… themselves');
      assert.equal(vars.GEMINI_API_KEY, vars.OPENAI_API_KEY);
      assert.equal(vars.GEMINI_CLI_SYSTEM_SETTINGS_PATH, join(home, 'gemini-cli', 'settings.json'));
      assert.deepEqual(JSON.parse(readFileSync(vars.GEMINI_CLI_SYSTEM_SETTINGS_PATH!, 'utf8')), { security: { auth: { selectedType: 'gemini-api-key' } } });
      const gemini = await fetch(`${vars.GOOGLE_GEMINI_BASE_URL}/v1beta/models`, { headers: { 'x-goog-api-key': vars.GEMINI_API_KEY! } });
      assert.equal(gemini.status, 200, 'the key works on the Gemini routes');
      assert.match(r.stderr, /Minted key key_\w+ \(env\)/);
      assert.doesNotMatch(r.stderr, /not running/);

      const models = await fetch(`${vars.OPENAI_BASE_URL}/models`, { headers: { authorization: `Bearer ${vars.OPENAI_API_KEY}` } });
      assert.equal(models.status, 200, 'the minted key works at once');
      const keys = JSON.parse((await runCli(['keys', 'list', '--json'], env)).stdout) as { name: string }[];
      assert.deepEqual(keys.map((k) => k.name), ['env']);

      const again = await runCli(['env', '--key', vars.OPENAI_API_KEY!, '--json'], env);
      assert.equal(again.code, 0, again.stderr);
      const { ANTHROPIC_API_KEY: _unset, ...exported } = vars;
      assert.deepEqual(JSON.parse(again.stdout), exported);
      assert.doesNotMatch(again.stderr, /Minted/, '--key mints nothing');
      assert.equal(JSON.parse((await runCli(['keys', 'list', '--json'], env)).stdout).length, 1);

      // Every new shell's `eval "$(tokenhub env)"` reuses the one named key, until it is revoked.
      const next = await runCli(['env'], env);
      assert.equal(evalInSh(next.stdout).OPENAI_API_KEY, vars.OPENAI_API_KEY);
      assert.doesNotMatch(next.stderr, /Minted/);
      assert.equal(statSync(join(home, 'env.key')).mode & 0o777, 0o600);
      const [envKey] = JSON.parse((await runCli(['keys', 'list', '--json'], env)).stdout) as { id: string }[];
      await runCli(['keys', 'revoke', envKey!.id], env);
      const fresh = await runCli(['env'], env);
      assert.notEqual(evalInSh(fresh.stdout).OPENAI_API_KEY, vars.OPENAI_API_KEY, 'a revoked key is replaced');
      assert.match(fresh.stderr, /Minted key key_\w+ \(env\)/);
    } finally {
      await stopChild(serve.child);
    }
  });

  test('fish output sets exported globals with fish quoting', async () => {
    const home = tempHome();
    const r = await runCli(['env', '--shell', 'fish'], { TOKENHUB_HOME: home, TOKENHUB_PORT: undefined });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.deepEqual(lines.map((l) => l.split(' ').slice(0, 3).join(' ')), [...NAMES.filter((n) => n !== 'ANTHROPIC_API_KEY').map((n) => `set -gx ${n}`), 'set -e ANTHROPIC_API_KEY']);
    assert.match(lines[0]!, /^set -gx OPENAI_BASE_URL 'http:\/\/127\.0\.0\.1:8420\/v1'$/);
    assert.equal(formatEnv({ A: `it's a \\ test` }, 'fish'), `set -gx A 'it\\'s a \\\\ test'\n`);
    assert.equal(formatEnv({ A: `it's` }, 'sh'), `export A='it'\\''s'\n`);
    assert.equal(formatEnv({ A: `it's` }, 'powershell'), `$env:A = 'it''s'\n`);
    assert.equal(formatEnv({}, 'powershell', ['B']), `Remove-Item Env:B -ErrorAction SilentlyContinue\n`);
    assert.equal(formatEnv({}, 'sh', ['B']), `unset B\n`);
  });

  test('without a daemon it says so on stderr and uses the configured address', async () => {
    const home = tempHome();
    writeConfig(home, { server: { port: 9123 } });
    const r = await runCli(['env'], { TOKENHUB_HOME: home, TOKENHUB_PORT: undefined });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(evalInSh(r.stdout).OPENAI_BASE_URL, 'http://127.0.0.1:9123/v1');
    assert.match(r.stderr, /tokenhub is not running; these variables point at http:\/\/127\.0\.0\.1:9123/);
  });

  test('--key refuses an id, an unknown key and a revoked one; --shell refuses other shells', async () => {
    const home = tempHome();
    const env = { TOKENHUB_HOME: home };
    const id = await runCli(['env', '--key', 'key_abc'], env);
    assert.equal(id.code, 2);
    assert.match(id.stderr, /full key/);
    const unknown = await runCli(['env', '--key', 'sk-th-' + 'x'.repeat(40)], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /not one of .*'s keys/);
    const created = JSON.parse((await runCli(['keys', 'create', '--json'], env)).stdout) as { id: string; key: string };
    await runCli(['keys', 'revoke', created.id], env);
    const revoked = await runCli(['env', '--key', created.key], env);
    assert.equal(revoked.code, 1);
    assert.match(revoked.stderr, /revoked/);
    assert.equal(revoked.stdout, '');
    const zsh = await runCli(['env', '--shell', 'zsh'], env);
    assert.equal(zsh.code, 2);
  });
});
