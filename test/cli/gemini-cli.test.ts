/**
 * `tokenhub run -- gemini -p …`: the real Gemini CLI (from npm), offline, configured by
 * `run`'s environment alone, through a tool call, against an OpenAI provider (translated).
 * The provider is a fake replaying a recorded OpenAI tool-call stream.
 *
 * Gemini CLI skips a settings file when any directory above it is writable by others
 * (as /tmp is), so this test's TOKENHUB_HOME is made under the user's home directory.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { BIN, type CliResult } from '../helpers/cli.js';
import { fakeProvider, tempHome, writeConfig } from '../helpers/gateway.js';
import { fixture } from '../providers/helpers.js';

const GEMINI = fileURLToPath(import.meta.resolve('@google/gemini-cli/bundle/gemini.js'));

function runIn(cwd: string, args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('Gemini CLI through tokenhub run', () => {
  let openai: FakeOpenAI;
  let home: string;
  let workspace: string;
  let geminiHome: string;

  before(async () => {
    // First turn: the recorded stream calls read_file; once a tool result is in the history, plain text.
    openai = await startFakeOpenAI((req) =>
      (req.body.messages as { role: string }[]).some((m) => m.role === 'tool')
        ? { pieces: ['The notes say', ' hello.'] }
        : { raw: { contentType: 'text/event-stream', body: fixture('openai/chat-stream-read-file.sse') } },
    );
    home = mkdtempSync(join(homedir(), '.tokenhub-test-'));
    writeConfig(home, { providers: { oa: fakeProvider(openai.url, { 'gpt-4o-mini': { input: 1, output: 2 } }) } });
    workspace = tempHome();
    writeFileSync(join(workspace, 'notes.txt'), 'hello from the notes file\n');
    geminiHome = tempHome();
  });
  after(async () => {
    await openai.close();
    for (const dir of [home, workspace, geminiHome]) rmSync(dir, { recursive: true, force: true });
  });

  test('gemini -p reads a file through a tool call and answers, with no Google login', async () => {
    const env = {
      TOKENHUB_HOME: home,
      TOKENHUB_PORT: '0',
      // Gemini CLI's own state goes to a temp dir, not ~/.gemini; no login is cached there
      GEMINI_CLI_HOME: geminiHome,
      GEMINI_CLI_TRUST_WORKSPACE: 'true',
      NO_COLOR: '1',
    };
    const r = await runIn(workspace, ['run', '--', process.execPath, GEMINI, '-p', 'What do my notes say?', '-m', 'gpt-4o-mini'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /The notes say hello\./);
    assert.equal(openai.requests.length, 2, 'a tool call and the answer after it');
    const messages = openai.requests[1]!.body.messages as { role: string; tool_call_id?: string; content: string; tool_calls?: unknown[] }[];
    const call = messages.findLast((m) => m.role === 'assistant')!;
    assert.deepEqual(call.tool_calls, [
      { id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', type: 'function', function: { name: 'read_file', arguments: '{"file_path":"notes.txt"}' } },
    ]);
    const result = messages.at(-1)!;
    assert.equal(result.role, 'tool');
    assert.equal(result.tool_call_id, 'call_DdmO9pD3xa9XTPNJ32zg2hcA');
    assert.match(result.content, /hello from the notes file/);
    assert.match(r.stderr, /requests\s+2\b/);
    assert.equal(openai.requests[0]!.headers.authorization, 'Bearer sk-upstream-secret-0123456789');
  });
});
