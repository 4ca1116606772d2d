/**
 * `tokenhub run -- gemini` with no -p: the real Gemini CLI (0.61, offline) in its
 * interactive TUI, in a tmux terminal, typed at and read from the screen, against a
 * Gemini provider (native) replaying recorded streams: read_file of the notes, then the
 * answer; /quit ends the session and run sums up the usage the daemon recorded.
 *
 * As in gemini-cli.test.ts: TOKENHUB_HOME lives under the user's home directory (Gemini
 * CLI skips a settings file under a directory others may write to, as /tmp is), Gemini
 * CLI's own state goes to a temp GEMINI_CLI_HOME, and GEMINI_CLI_TRUST_WORKSPACE skips
 * the folder-trust dialog. Run `npm run build` first when running this file alone.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { resolvePaths } from '../../src/config/paths.js';
import { runningDaemon } from '../../src/cli/serve.js';
import { openDatabase } from '../../src/store/db.js';
import { startFakeGemini, type FakeGemini } from '../fakes/gemini.js';
import { BIN } from '../helpers/cli.js';
import { tempHome, writeConfig } from '../helpers/gateway.js';
import { openTerminal, type Terminal } from '../helpers/tmux.js';
import { fixture } from '../providers/helpers.js';

const GEMINI = fileURLToPath(import.meta.resolve('@google/gemini-cli/bundle/gemini.js'));
const answered = (req: { body: Record<string, any> }) => JSON.stringify(req.body.contents ?? []).includes('functionResponse');

/** The text of the recorded answer (test/fixtures/gemini/text.sse), its pieces joined. */
function recordedText(): string {
  return fixture('gemini/text.sse')
    .split(/\r?\n\r?\n/)
    .filter((f) => f.startsWith('data: '))
    .map((f) => (JSON.parse(f.slice(6)) as { candidates: { content: { parts: { text: string }[] } }[] }).candidates[0]!.content.parts[0]!.text)
    .join('')
    .trim();
}

describe('tokenhub run -- gemini, interactive (tmux)', () => {
  let gemini: FakeGemini;
  let home: string;
  let workspace: string;
  let geminiHome: string;
  let term: Terminal | undefined;

  before(async () => {
    gemini = await startFakeGemini((req) => ({
      raw: { contentType: 'text/event-stream', body: fixture(answered(req) ? 'gemini/text.sse' : 'gemini/cli-read-file.sse') },
    }));
    home = mkdtempSync(join(homedir(), '.tokenhub-test-'));
    writeConfig(home, {
      providers: { google: { type: 'gemini', base_url: gemini.url, api_key: 'AIza-upstream-0123456789', models: { 'gemini-2.5-flash': { input: 0.3, output: 2.5 } } } },
    });
    workspace = tempHome();
    writeFileSync(join(workspace, 'notes.txt'), 'hello from the notes file\n');
    geminiHome = tempHome();
  });
  after(async () => {
    term?.close();
    // a run killed half-way may leave the daemon it started behind
    const daemon = runningDaemon(resolvePaths({}, { TOKENHUB_HOME: home }));
    if (daemon) process.kill(daemon.pid, 'SIGTERM');
    await gemini.close();
    for (const dir of [home, workspace, geminiHome]) rmSync(dir, { recursive: true, force: true, maxRetries: 10 });
  });

  test('a typed prompt reads a file through read_file, the answer shows on screen, /quit sums up the usage', { timeout: 180_000 }, async () => {
    const summary = join(home, 'run-stderr.txt');
    term = openTerminal({
      name: 'tokenhub-gemini',
      command: [process.execPath, BIN, 'run', '--name', 'gemini-tui', '--', process.execPath, GEMINI, '-m', 'gemini-2.5-flash'],
      cwd: workspace,
      env: { TOKENHUB_HOME: home, TOKENHUB_PORT: '0', GEMINI_CLI_HOME: geminiHome, GEMINI_CLI_TRUST_WORKSPACE: 'true' },
      stderrFile: summary,
    });
    // the input box: no login, auth or trust dialog before it
    // (the banner may be drawn after the box: both are waited for)
    await term.waitFor(/Authenticated with gemini-api-key[\s\S]*Type your message/);

    // no '?' in the prompt: typed into the box it may open the shortcuts help instead
    term.type('Read notes.txt and tell me what it says');
    await term.waitFor(/> Read notes\.txt and tell me what it says/);
    term.press('Enter');
    const screen = await term.waitFor(new RegExp(`✦ ${recordedText().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(screen, /✓\s+ReadFile\s+notes\.txt/, 'the tool call shows on screen, done');

    const calls = gemini.requests.filter((q) => q.path === '/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    assert.equal(calls.length, 2, 'the read_file call and the answer after it');
    assert.equal(calls[0]!.headers['x-goog-api-key'], 'AIza-upstream-0123456789', 'the provider key replaces the client key');
    const contents = calls[1]!.body.contents as { role: string; parts: Record<string, any>[] }[];
    const result = contents.at(-1)!.parts.find((p) => p.functionResponse)!;
    assert.equal(result.functionResponse.name, 'read_file');
    assert.match(JSON.stringify(result.functionResponse.response), /hello from the notes file/);

    term.type('/quit');
    await term.waitFor(/> \/quit/);
    term.press('Enter');
    await term.waitForExit();

    const stderr = readFileSync(summary, 'utf8');
    assert.match(stderr, /command\s+.*gemini\.js -m gemini-2\.5-flash\s+→ exit 0/);
    assert.match(stderr, /requests\s+2\b/);
    assert.match(stderr, /errors\s+none/);
    assert.match(stderr, /daemon\s+stopped \(started for this run\)/);
    const keyId = stderr.match(/key\s+(key_\w+) \(revoked\)/)?.[1];
    assert.ok(keyId, stderr);

    const db = openDatabase(resolvePaths({}, { TOKENHUB_HOME: home }).db);
    try {
      const rows = db.prepare('SELECT key_id, provider, status, prompt_tokens, completion_tokens, cost_usd FROM usage').all() as Record<string, any>[];
      assert.equal(rows.length, 2, 'one usage record per request');
      for (const row of rows) {
        assert.equal(row.key_id, keyId);
        assert.equal(row.provider, 'google');
        assert.equal(row.status, 200);
        assert.ok(row.prompt_tokens > 0 && row.completion_tokens > 0 && row.cost_usd > 0, JSON.stringify(row));
      }
    } finally {
      db.close();
    }
  });
});
