/**
 * `tokenhub run -- gemini -p …`: the real Gemini CLI (from npm), offline, configured by
 * `run`'s environment alone, through a tool call, against an OpenAI provider (translated)
 * and a Gemini provider (native). The providers are fakes replaying recorded streams.
 *
 * Gemini CLI skips a settings file when any directory above it is writable by others
 * (as /tmp is), so this test's TOKENHUB_HOME is made under the user's home directory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { startFakeGemini, type FakeGemini } from '../fakes/gemini.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { runCli } from '../helpers/cli.js';
import { fakeProvider, tempHome, writeConfig } from '../helpers/gateway.js';
import { fixture } from '../providers/helpers.js';

const GEMINI = fileURLToPath(import.meta.resolve('@google/gemini-cli/bundle/gemini.js'));


describe('Gemini CLI through tokenhub run', () => {
  let openai: FakeOpenAI;
  let gemini: FakeGemini;
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
    gemini = await startFakeGemini((req) => ({
      raw: {
        contentType: 'text/event-stream',
        body: fixture(JSON.stringify(req.body.contents).includes('functionResponse') ? 'gemini/text.sse' : 'gemini/cli-read-file.sse'),
      },
    }));
    home = mkdtempSync(join(homedir(), '.tokenhub-test-'));
    writeConfig(home, {
      providers: {
        oa: fakeProvider(openai.url, { 'gpt-4o-mini': { input: 1, output: 2 } }),
        google: { type: 'gemini', base_url: gemini.url, api_key: 'AIza-upstream-0123456789', models: { 'gemini-2.5-flash': null } },
      },
    });
    workspace = tempHome();
    writeFileSync(join(workspace, 'notes.txt'), 'hello from the notes file\n');
    geminiHome = tempHome();
  });
  after(async () => {
    await Promise.all([openai.close(), gemini.close()]);
    for (const dir of [home, workspace, geminiHome]) rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({
    TOKENHUB_HOME: home,
    TOKENHUB_PORT: '0',
    // Gemini CLI's own state goes to a temp dir, not ~/.gemini; no login is cached there
    GEMINI_CLI_HOME: geminiHome,
    GEMINI_CLI_TRUST_WORKSPACE: 'true',
    NO_COLOR: '1',
  });

  test('gemini -p reads a file through a tool call and answers, with no Google login (OpenAI provider, translated)', async () => {
    const r = await runCli(['run', '--', process.execPath, GEMINI, '-p', 'What do my notes say?', '-m', 'gpt-4o-mini'], env(), undefined, { cwd: workspace });
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

  test('the same through a Gemini provider: forwarded natively, the call\'s thought signature back as Gemini sent it', async () => {
    const r = await runCli(['run', '--', process.execPath, GEMINI, '-p', 'What do my notes say?', '-m', 'gemini-2.5-flash'], env(), undefined, { cwd: workspace });
    assert.equal(r.code, 0, r.stderr);
    const expected = fixture('gemini/text.sse')
      .split(/\r?\n\r?\n/)
      .filter((f) => f.startsWith('data: '))
      .map((f) => (JSON.parse(f.slice(6)) as { candidates: { content: { parts: { text: string }[] } }[] }).candidates[0]!.content.parts[0]!.text)
      .join('');
    assert.ok(r.stdout.includes(expected.trim()), r.stdout);
    const calls = gemini.requests.filter((q) => q.path === '/v1beta/models/gemini-2.5-flash:streamGenerateContent');
    assert.equal(calls.length, 2);
    assert.equal(calls[0]!.query.get('alt'), 'sse');
    assert.equal(calls[0]!.headers['x-goog-api-key'], 'AIza-upstream-0123456789');
    const contents = calls[1]!.body.contents as { role: string; parts: Record<string, any>[] }[];
    const model = contents.findLast((c) => c.role === 'model')!;
    const call = model.parts.find((p) => p.functionCall)!;
    assert.deepEqual(call.functionCall.name, 'read_file');
    assert.equal(call.thoughtSignature, 'CiQBVKhc7vB+ZmV5ZlJtQ2xkU1dQY2pSb0Z0YlFQR3c9PQ==');
    const answer = contents.at(-1)!.parts.find((p) => p.functionResponse)!;
    assert.match(JSON.stringify(answer.functionResponse.response), /hello from the notes file/);
  });
});
