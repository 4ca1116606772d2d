/**
 * `tokenhub run -- codex exec …` with the real Codex CLI (@openai/codex, offline): run
 * points it at the daemon with CODEX_API_KEY and `-c openai_base_url=…` only, leaving
 * the user's Codex config alone, and the turn is served and summed up.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { codexArgs, isCodex } from '../../src/cli/codex.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { runCli } from '../helpers/cli.js';
import { fakeProvider, tempHome, writeConfig } from '../helpers/gateway.js';

const CODEX = fileURLToPath(new URL('../../node_modules/.bin/codex', import.meta.url));

test('codexArgs puts the base URL and web search overrides first, for codex only', () => {
  assert.ok(isCodex('/usr/local/bin/codex') && isCodex('codex.js') && !isCodex('codex-helper') && !isCodex('claude'));
  assert.deepEqual(codexArgs('codex', ['exec', 'hi'], 'http://127.0.0.1:8420/v1'), ['-c', 'openai_base_url="http://127.0.0.1:8420/v1"', '-c', 'web_search="disabled"', 'exec', 'hi']);
  assert.deepEqual(codexArgs('python', ['x.py'], 'http://h/v1'), ['x.py']);
});

describe('tokenhub run -- codex', () => {
  let openai: FakeOpenAI;
  let home: string;
  let codexHome: string;

  before(async () => {
    openai = await startFakeOpenAI();
    home = tempHome();
    codexHome = mkdtempSync(join(tmpdir(), 'tokenhub-codex-home-'));
    writeConfig(home, { providers: { acme: fakeProvider(openai.url, { 'gpt-fake': { input: 1, output: 2 } }) } });
  });
  after(async () => {
    await openai.close();
  });

  test('codex exec answers through the daemon; the Codex home gets no TokenHub config', { timeout: 120_000 }, async () => {
    const env = { TOKENHUB_HOME: home, TOKENHUB_PORT: '0', HOME: codexHome, CODEX_HOME: codexHome };
    const r = await runCli(['run', '--name', 'codex', '--', CODEX, 'exec', '--skip-git-repo-check', '-m', 'gpt-fake', 'Say hello'], env);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /Hello from the fake/);
    assert.match(r.stderr, /requests\s+1\b/);
    assert.equal(openai.requests.at(-1)!.path, '/v1/chat/completions');
    assert.equal(existsSync(join(codexHome, 'config.toml')), false, `Codex home: ${readdirSync(codexHome).join(', ')}`);
  });
});
