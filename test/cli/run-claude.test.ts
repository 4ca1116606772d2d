/**
 * `tokenhub run -- claude -p …` with the real Claude Code (@anthropic-ai/claude-code
 * 2.1.197, offline) against a fake Anthropic provider: run's variables alone point it at
 * the daemon, a pattern route catches whatever model id this release picks, and a tool
 * call goes round: the fake asks for Read, Claude Code reads the file and sends the
 * tool_result back, natively (its cache hints and beta headers arriving as sent).
 * Run `npm run build` first when running this file alone.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.js';
import { startFakeGemini } from '../fakes/gemini.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { CLAUDE, QUIET, thinkingReadCall, toolResults } from '../helpers/claude-code.js';
import { runCli } from '../helpers/cli.js';
import { fakeProvider, tempHome, writeConfig } from '../helpers/gateway.js';
import { fixture } from '../providers/helpers.js';

const MODEL = 'claude-sonnet-4-5';

describe('tokenhub run -- claude', () => {
  let claude: FakeAnthropic;
  let openai: FakeOpenAI;
  let home: string;
  let userHome: string;
  let note: string;

  before(async () => {
    claude = await startFakeAnthropic();
    home = tempHome();
    userHome = mkdtempSync(join(tmpdir(), 'tokenhub-claude-home-'));
    note = join(userHome, 'note.txt');
    writeFileSync(note, 'The secret word is marmalade.\n');
    writeConfig(home, {
      providers: { anthropic: { type: 'anthropic', base_url: claude.url, api_key: 'sk-ant-upstream-0123456789', models: { [MODEL]: { input: 3, output: 15, cached_input: 0.3, cache_write: 3.75 } } } },
      routes: { 'claude-*': { targets: [`anthropic/${MODEL}`] } },
    });
    claude.setReply((req) => {
      if (!Array.isArray(req.body.tools) || req.body.tools.length === 0) return { pieces: ['ok'] }; // side requests (titles, summaries)
      if (toolResults(req).length > 0) return { pieces: ['The word is ', 'marmalade.'] };
      // a thinking block with its signature first: Claude Code takes it from the stream (what it sends back is its choice)
      return { recorded: thinkingReadCall(note), sliceBytes: 11 };
    });
  });
  after(async () => {
    await claude.close();
    await openai?.close();
    for (const dir of [home, userHome]) rmSync(dir, { recursive: true, force: true, maxRetries: 10 });
  });

  test('claude -p reads a file through a tool call, served natively; no API-key question, one revoked key, usage summed up', { timeout: 120_000 }, async () => {
    const env = {
      TOKENHUB_HOME: home,
      TOKENHUB_PORT: '0',
      HOME: userHome,
      // a real key in the user's shell must not reach Claude Code (it would ask about it)
      ANTHROPIC_API_KEY: 'sk-ant-real-key-of-the-user',
      ...QUIET,
    };
    // --budget 0.50 is run --help's example: Claude Code's default max_tokens alone is worth more (the answer is capped, not refused)
    const r = await runCli(['run', '--name', 'claude', '--budget', '0.50', '--', CLAUDE, '-p', 'What is the secret word in note.txt?', '--allowedTools', 'Read', '--output-format', 'json'], env);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const result = JSON.parse(r.stdout) as { result: string; is_error: boolean };
    assert.equal(result.is_error, false);
    assert.equal(result.result, 'The word is marmalade.');

    const turns = claude.requests.filter((q) => q.path === '/v1/messages' && toolResults(q).length > 0);
    assert.equal(turns.length, 1, 'Claude Code sent the tool result back');
    const [tr] = toolResults(turns[0]!);
    assert.equal(tr!.tool_use_id, 'toolu_01WaeSyitUGJFaaPe68cJuEv');
    assert.match(JSON.stringify(tr!.content), /The secret word is marmalade\./);
    const first = claude.requests.find((q) => Array.isArray(q.body.tools) && q.body.tools.length > 0)!;
    assert.equal(first.headers['x-api-key'], 'sk-ant-upstream-0123456789', 'the provider key replaces the client key');
    assert.match(String(first.headers['anthropic-beta']), /claude-code-20250219/, 'beta headers arrive');
    assert.match(JSON.stringify(first.body.system), /cache_control/, 'cache breakpoints arrive');
    assert.equal(first.body.model, MODEL, 'whatever id Claude Code chose, the pattern route served it');

    assert.match(r.stderr, /key\s+key_\w+ \(revoked\)/);
    assert.match(r.stderr, /providers\s+anthropic \d+ req/);
    assert.match(r.stderr, /errors\s+none/);
  });

  test('claude -p through an OpenAI provider (translated): its system messages, tools and tool result cross; no Anthropic-only field reaches OpenAI', { timeout: 120_000 }, async () => {
    openai = await startFakeOpenAI();
    // A recorded OpenAI tool-call stream, its tool and argument named as Claude Code's Read tool expects.
    const readCall = fixture('openai/chat-stream-read-file.sse').replace('"read_file"', '"Read"').replace('"notes.txt"', JSON.stringify(JSON.stringify(note).slice(1, -1)));
    openai.setReply((req) => {
      const tools = Array.isArray(req.body.tools) && req.body.tools.length > 0;
      const answered = req.body.messages.some((m: { role: string }) => m.role === 'tool');
      if (!tools || answered) return { raw: { contentType: 'text/event-stream', body: fixture('openai/chat-stream-hello.sse') } };
      return { raw: { contentType: 'text/event-stream', body: readCall } };
    });
    const gptHome = tempHome();
    writeConfig(gptHome, { providers: { openai: fakeProvider(openai.url, { 'gpt-4o-mini': { input: 0.15, output: 0.6 } }) }, routes: { 'claude-*': { targets: ['openai/gpt-4o-mini'] } } });
    const env = { TOKENHUB_HOME: gptHome, TOKENHUB_PORT: '0', HOME: userHome, ...QUIET };
    const r = await runCli(['run', '--name', 'claude-gpt', '--', CLAUDE, '-p', 'What is the secret word in note.txt?', '--allowedTools', 'Read', '--output-format', 'json'], env);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal((JSON.parse(r.stdout) as { result: string }).result, 'Hello');

    const answered = openai.requests.find((q) => q.body.messages.some((m: { role: string }) => m.role === 'tool'))!;
    assert.ok(answered, 'Claude Code sent the tool result back');
    const tool = answered.body.messages.find((m: { role: string }) => m.role === 'tool');
    assert.match(String(tool.content), /The secret word is marmalade\./);
    assert.equal(answered.body.messages[0].role, 'system');
    assert.ok(answered.body.tools.some((t: { function: { name: string } }) => t.function.name === 'Read'));
    for (const q of openai.requests) {
      assert.doesNotMatch(JSON.stringify(q.body), /cache_control|"thinking"|context_management/, 'nothing only Anthropic reads');
    }
    assert.match(r.stderr, /errors\s+none/);
  });

  test('claude -p through a Gemini provider (translated): the tool call and its result cross', { timeout: 120_000 }, async () => {
    const gemini = await startFakeGemini((req) => {
      const answered = JSON.stringify(req.body.contents ?? []).includes('functionResponse');
      return answered ? { pieces: ['The word is ', 'marmalade.'] } : { functionCalls: [{ name: 'Read', args: { file_path: note } }], sliceBytes: 7 };
    });
    try {
      const geminiHome = tempHome();
      writeConfig(geminiHome, { providers: { google: { type: 'gemini', base_url: gemini.url, api_key: 'AIza-upstream-0123456789', models: { 'gemini-2.5-flash': { input: 0.3, output: 2.5 } } } }, routes: { 'claude-*': { targets: ['google/gemini-2.5-flash'] } } });
      const env = { TOKENHUB_HOME: geminiHome, TOKENHUB_PORT: '0', HOME: userHome, ...QUIET };
      const r = await runCli(['run', '--name', 'claude-gemini', '--', CLAUDE, '-p', 'What is the secret word in note.txt?', '--allowedTools', 'Read', '--output-format', 'json'], env);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.equal((JSON.parse(r.stdout) as { result: string }).result, 'The word is marmalade.');
      const answered = gemini.requests.find((q) => JSON.stringify(q.body.contents ?? []).includes('functionResponse'))!;
      assert.match(JSON.stringify(answered.body.contents), /The secret word is marmalade\./);
      assert.match(r.stderr, /errors\s+none/);
    } finally {
      await gemini.close();
    }
  });
});
