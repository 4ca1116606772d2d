import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { BIN, runCli, type CliResult } from '../helpers/cli.js';
import { fakeProvider, tempHome, writeConfig } from '../helpers/gateway.js';

const CLAUDE = 'claude-haiku-4-5';

/** A script that knows nothing of TokenHub: both SDKs configured from the environment alone. */
function writeSdkScript(dir: string, exitCode: number): string {
  const path = join(dir, 'both-sdks.mjs');
  writeFileSync(
    path,
    `const { default: OpenAI } = await import(${JSON.stringify(import.meta.resolve('openai'))});
const { default: Anthropic } = await import(${JSON.stringify(import.meta.resolve('@anthropic-ai/sdk'))});
console.log('ANTHROPIC_API_KEY is ' + (process.env.ANTHROPIC_API_KEY === undefined ? 'unset' : 'set'));
const chat = await new OpenAI({ maxRetries: 0 }).chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'hi' }] });
console.log('openai says: ' + chat.choices[0].message.content);
const msg = await new Anthropic({ maxRetries: 0 }).messages.create({ model: '${CLAUDE}', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
console.log('anthropic says: ' + msg.content[0].text);
const openaiViaMessages = await new Anthropic({ maxRetries: 0 }).messages.create({ model: 'gpt-fake', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
console.log('gpt via /v1/messages says: ' + openaiViaMessages.content[0].text);
await new OpenAI({ maxRetries: 0 }).chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }).catch((e) => console.log('expected failure: ' + e.status));
process.exit(${exitCode});
`,
  );
  return path;
}

/** Runs `tokenhub run` in its own process group, as a shell runs a foreground job; `onStdout` may signal the group. */
function runInGroup(args: string[], env: Record<string, string>, onStdout?: (text: string, pid: number) => void): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      onStdout?.(stdout, child.pid!);
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('tokenhub run', () => {
  let openai: FakeOpenAI;
  let claude: FakeAnthropic;
  let home: string;
  let env: Record<string, string>;

  before(async () => {
    [openai, claude] = await Promise.all([startFakeOpenAI(), startFakeAnthropic()]);
    home = tempHome();
    env = { TOKENHUB_HOME: home, TOKENHUB_PORT: '0' };
    writeConfig(home, {
      providers: {
        acme: fakeProvider(openai.url, { 'gpt-fake': { input: 1, output: 2 } }),
        claude: { type: 'anthropic', base_url: claude.url, api_key: 'sk-ant-upstream-0123456789', models: { [CLAUDE]: { input: 1, output: 5 } } },
      },
    });
  });
  after(async () => {
    await Promise.all([openai.close(), claude.close()]);
  });

  const keysJson = async () => JSON.parse((await runCli(['keys', 'list', '--all', '--json'], env)).stdout) as Record<string, any>[];

  test('starts the daemon, runs a script that uses both SDKs from the environment, revokes the key, sums up, stops the daemon and passes the exit code on', async () => {
    const script = writeSdkScript(home, 7);
    // A real Anthropic key in the user's shell does not reach the command (Claude Code would ask about it).
    const r = await runInGroup(['run', '--budget', '2', '--models', 'gpt-*,claude-*', '--rpm', '100', '--name', 'agent', '--', process.execPath, script], { ...env, ANTHROPIC_API_KEY: 'sk-ant-real-key-of-the-user' });
    assert.equal(r.code, 7, r.stderr);
    assert.match(r.stdout, /ANTHROPIC_API_KEY is unset/);
    assert.match(r.stdout, /openai says: Hello from the fake/);
    assert.match(r.stdout, /anthropic says: Hello from Claude/);
    assert.match(r.stdout, /gpt via \/v1\/messages says: Hello from the fake/);
    assert.match(r.stdout, /expected failure: 404/);
    assert.match(r.stderr, /starting it in the background/);
    assert.match(r.stderr, /requests\s+4 \(1 failed\)/);
    assert.match(r.stderr, /tokens\s+47 in, 13 out/);
    assert.match(r.stderr, /cost\s+\$0\.000\d+/);
    assert.match(r.stderr, /providers\s+acme 2 req, 34 tok, \$0\.0000\d+; claude 1 req, 26 tok, \$0\.0000\d+; none 1 req/);
    assert.match(r.stderr, /errors\s+404 model_not_found ×1/);
    assert.match(r.stderr, /exit 7/);
    assert.match(r.stderr, /daemon\s+stopped \(started for this run\)/);
    assert.equal(existsSync(join(home, 'daemon.json')), false, 'the daemon run started is stopped');
    assert.equal(openai.requests[0]!.headers.authorization, 'Bearer sk-upstream-secret-0123456789', 'the child never sees provider keys');

    const key = (await keysJson()).find((k) => k.name === 'agent')!;
    assert.equal(key.status, 'revoked');
    assert.deepEqual([key.budget_usd, key.budget_period, key.rpm, key.models], [2, 'total', 100, ['gpt-*', 'claude-*']]);
    assert.match(r.stderr, new RegExp(`key\\s+${key.id} \\(revoked\\)`));
  });

  describe('with a daemon already running', () => {
    before(async () => {
      const serve = await runCli(['serve', '--detach'], env);
      assert.equal(serve.code, 0, serve.stderr);
    });
    after(async () => {
      await runCli(['stop'], env);
    });

    test('Ctrl-C reaches the child first: run waits for it, then revokes, sums up and exits with its code; the daemon stays up', async () => {
      const script = join(home, 'wait-for-ctrl-c.mjs');
      writeFileSync(
        script,
        `process.on('SIGINT', () => setTimeout(() => { console.log('child cleaned up'); process.exit(42); }, 200));
console.log('ready ' + process.env.OPENAI_API_KEY);
setInterval(() => {}, 1000);
`,
      );
      let sent = false;
      const r = await runInGroup(['run', '--', process.execPath, script], env, (out, pid) => {
        if (!sent && /ready sk-th-/.test(out)) {
          sent = true;
          process.kill(-pid, 'SIGINT'); // what the terminal does on Ctrl-C: the whole foreground group
        }
      });
      assert.equal(r.code, 42, r.stderr);
      assert.match(r.stdout, /child cleaned up/);
      assert.match(r.stderr, /requests\s+0\b/);
      assert.match(r.stderr, /daemon\s+still running at http:\/\/127\.0\.0\.1:\d+/);
      assert.doesNotMatch(r.stderr, /starting it/);
      const key = r.stdout.match(/ready (sk-th-\w+)/)![1]!;
      const { url } = JSON.parse((await runCli(['status', '--json'], env)).stdout) as { url: string };
      const models = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(models.status, 401, 'the key is revoked once the command ends');
    });

    test('a command killed by a signal exits 128+N; a missing command exits 127 with its key revoked', async () => {
      const suicide = join(home, 'killed.mjs');
      writeFileSync(suicide, `process.kill(process.pid, 'SIGTERM');\nsetInterval(() => {}, 1000);\n`);
      const killed = await runCli(['run', '--', process.execPath, suicide], env);
      assert.equal(killed.code, 143, killed.stderr);
      const missing = await runCli(['run', '--name', 'ghost', '--', 'tokenhub-no-such-command-xyz'], env);
      assert.equal(missing.code, 127);
      assert.match(missing.stderr, /command not found: tokenhub-no-such-command-xyz/);
      assert.equal((await keysJson()).find((k) => k.name === 'ghost')?.status, 'revoked');
    });
  });
});
