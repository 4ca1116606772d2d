/**
 * `tokenhub run -- claude` with no -p: the real Claude Code (2.1.197, offline) in its
 * interactive TUI, in a tmux terminal, typed at and read from the screen. The fake
 * Anthropic provider asks for a Read of a note (the recorded thinking + tool_use stream),
 * Claude Code reads it and sends the tool_result back, the answer shows on the screen,
 * /exit ends the session and run sums up the usage the daemon recorded.
 *
 * Claude Code's first-run screens are skipped the way a returning user's ~/.claude.json
 * skips them: hasCompletedOnboarding (welcome and theme picker) and the folder's
 * projects[cwd].hasTrustDialogAccepted (the trust dialog). Without them the theme
 * picker is the first screen. Run `npm run build` first when running this file alone.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { resolvePaths } from '../../src/config/paths.js';
import { runningDaemon } from '../../src/cli/serve.js';
import { openDatabase } from '../../src/store/db.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.js';
import { CLAUDE, QUIET, thinkingReadCall, toolResults } from '../helpers/claude-code.js';
import { BIN } from '../helpers/cli.js';
import { tempHome, writeConfig } from '../helpers/gateway.js';
import { openTerminal, type Terminal } from '../helpers/tmux.js';

const MODEL = 'claude-sonnet-4-5';

describe('tokenhub run -- claude, interactive (tmux)', () => {
  let claude: FakeAnthropic;
  let home: string;
  let userHome: string;
  let note: string;
  let term: Terminal | undefined;

  before(async () => {
    claude = await startFakeAnthropic();
    home = tempHome();
    // realpath: Claude Code keys its per-folder trust by the real path of its cwd
    userHome = realpathSync(mkdtempSync(join(tmpdir(), 'tokenhub-claude-tui-')));
    note = join(userHome, 'note.txt');
    writeFileSync(note, 'The secret word is marmalade.\n');
    writeFileSync(
      join(userHome, '.claude.json'),
      JSON.stringify({ hasCompletedOnboarding: true, lastOnboardingVersion: '2.1.197', theme: 'dark', projects: { [userHome]: { hasTrustDialogAccepted: true } } }),
    );
    // Read inside the folder needs no approval in the default mode; said here so no permission prompt can appear
    mkdirSync(join(userHome, '.claude'));
    writeFileSync(join(userHome, '.claude', 'settings.json'), JSON.stringify({ permissions: { allow: ['Read'] } }));
    writeConfig(home, {
      providers: { anthropic: { type: 'anthropic', base_url: claude.url, api_key: 'sk-ant-upstream-0123456789', models: { [MODEL]: { input: 3, output: 15, cached_input: 0.3, cache_write: 3.75 } } } },
      routes: { 'claude-*': { targets: [`anthropic/${MODEL}`] } },
    });
    claude.setReply((req) => {
      if (!Array.isArray(req.body.tools) || req.body.tools.length === 0) return { pieces: ['ok'] }; // side requests (the session title)
      if (toolResults(req).length > 0) return { pieces: ['The word is ', 'marmalade.'] };
      return { recorded: thinkingReadCall(note), sliceBytes: 11 };
    });
  });
  after(async () => {
    term?.close();
    // a run killed half-way may leave the daemon it started behind
    const daemon = runningDaemon(resolvePaths({}, { TOKENHUB_HOME: home }));
    if (daemon) process.kill(daemon.pid, 'SIGTERM');
    await claude.close();
    for (const dir of [home, userHome]) rmSync(dir, { recursive: true, force: true, maxRetries: 10 }); // a killed Claude Code may still be writing its state
  });

  test('a typed prompt reads a file through a tool call, the answer shows on screen, /exit sums up the usage', { timeout: 180_000 }, async () => {
    const summary = join(home, 'run-stderr.txt');
    term = openTerminal({
      name: 'tokenhub-claude',
      command: [process.execPath, BIN, 'run', '--name', 'claude-tui', '--', CLAUDE],
      cwd: userHome,
      env: { TOKENHUB_HOME: home, TOKENHUB_PORT: '0', HOME: userHome, ANTHROPIC_API_KEY: 'sk-ant-real-key-of-the-user', ...QUIET },
      stderrFile: summary,
    });
    // the input box under the welcome banner: no theme picker, trust dialog or API-key question before it
    const ready = await term.waitFor(/\? for shortcuts/);
    assert.match(ready, /Welcome back!/);
    assert.doesNotMatch(ready, /trust|Choose the text style|API key/i);

    term.type('What is the secret word in note.txt?');
    await term.waitFor(/❯\sWhat is the secret word in note\.txt\?/);
    term.press('Enter');
    const answered = await term.waitFor(/● The word is marmalade\./);
    assert.match(answered, /Read/, 'the tool call shows on screen');

    const turns = claude.requests.filter((q) => q.path === '/v1/messages' && toolResults(q).length > 0);
    assert.equal(turns.length, 1, 'Claude Code sent the tool result back');
    const [tr] = toolResults(turns[0]!);
    assert.equal(tr!.tool_use_id, 'toolu_01WaeSyitUGJFaaPe68cJuEv');
    assert.match(JSON.stringify(tr!.content), /The secret word is marmalade\./);
    const first = claude.requests.find((q) => Array.isArray(q.body.tools) && q.body.tools.length > 0)!;
    assert.equal(first.headers['x-api-key'], 'sk-ant-upstream-0123456789', 'the provider key replaces the client key');
    assert.equal(first.body.stream, true, 'the TUI streams');

    term.type('/exit');
    await term.waitFor(/❯\s\/exit/);
    term.press('Enter');
    await term.waitForExit();

    const stderr = readFileSync(summary, 'utf8');
    const messages = claude.requests.filter((q) => q.path === '/v1/messages').length;
    assert.match(stderr, /command\s+\S+claude\s+→ exit 0/);
    assert.match(stderr, new RegExp(`requests\\s+${messages}\\b`), stderr);
    assert.match(stderr, /errors\s+none/);
    assert.match(stderr, /daemon\s+stopped \(started for this run\)/);
    const keyId = stderr.match(/key\s+(key_\w+) \(revoked\)/)?.[1];
    assert.ok(keyId, stderr);

    const db = openDatabase(resolvePaths({}, { TOKENHUB_HOME: home }).db);
    try {
      const rows = db.prepare('SELECT key_id, provider, served_model, status, prompt_tokens, completion_tokens, cost_usd FROM usage').all() as Record<string, any>[];
      assert.equal(rows.length, messages, 'one usage record per request');
      for (const row of rows) {
        assert.equal(row.key_id, keyId);
        assert.equal(row.provider, 'anthropic');
        assert.equal(row.served_model, `anthropic/${MODEL}`);
        assert.equal(row.status, 200);
        assert.ok(row.prompt_tokens > 0 && row.completion_tokens > 0 && row.cost_usd > 0, JSON.stringify(row));
      }
    } finally {
      db.close();
    }
  });
});
