/**
 * The Codex CLI (`@openai/codex`, a devDependency) driving `codex exec` offline against
 * TokenHub: its WebSocket attempt is refused at once, it falls back to POST
 * /v1/responses, and a tool call round-trips through an OpenAI-compatible chat, an
 * Anthropic and a Gemini provider, each replaying recorded answers. Codex runs with a temporary CODEX_HOME, so no user config is read or touched.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startReplay, type ReplayServer } from '../fakes/replay.js';
import { fakeProvider, startGateway, type TestGateway } from '../helpers/gateway.js';

const CODEX = createRequire(import.meta.url).resolve('@openai/codex/bin/codex.js');

/** Tool calls until a tool's output is in the conversation, then text. */
function chatFixture(body: Record<string, any>): string {
  const ext = body.stream ? 'sse' : 'json';
  const answered = (body.messages as { role: string }[]).some((m) => m.role === 'tool');
  return body.tools && !answered ? `openai/responses/chat-tool-call.${ext}` : `openai/responses/chat-text.${ext}`;
}

/** The Anthropic answer for a request: a tool call until a tool result is in the conversation, then text. */
function anthropicFixture(body: Record<string, any>): string {
  const answered = (body.messages as { content: unknown }[]).some((m) => Array.isArray(m.content) && m.content.some((b: any) => b.type === 'tool_result'));
  return `anthropic/${answered ? 'text' : 'tool-call'}.${body.stream ? 'sse' : 'json'}`;
}

function codexExec(gw: TestGateway, home: string, prompt: string, model = 'gpt-5-codex'): Promise<{ code: number | null; output: string }> {
  const args = ['exec', '--skip-git-repo-check', '-c', `openai_base_url="${gw.url}/v1"`, '-c', 'web_search="disabled"', '-m', model, prompt];
  const child = spawn(process.execPath, [CODEX, ...args], {
    cwd: home,
    env: { PATH: process.env.PATH ?? '', HOME: home, CODEX_HOME: home, CODEX_API_KEY: gw.key },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

describe('codex exec through TokenHub', () => {
  let upstream: ReplayServer;
  let claude: ReplayServer;
  let gemini: ReplayServer;
  let oai: ReplayServer;
  let gw: TestGateway;
  let home: string;

  before(async () => {
    upstream = await startReplay((req) => ({ fixture: chatFixture(req.body) }));
    claude = await startReplay((req) => ({ fixture: anthropicFixture(req.body) }));
    // Gemini: function calls until a function response is in the conversation, then text
    oai = await startReplay(() => ({ fixture: 'openai/responses/responses-text.sse' }));
    gemini = await startReplay((req) => ({ fixture: `gemini/${JSON.stringify(req.body.contents).includes('functionResponse') ? 'text' : 'tool-call'}.sse` }));
    gw = await startGateway({
      providers: {
        acme: fakeProvider(upstream.url, { 'gpt-5-codex': { input: 1, output: 2 } }),
        claude: { type: 'anthropic', base_url: claude.url, api_key: 'sk-ant-upstream-0123456789', models: { 'claude-sonnet-4-5': { input: 3, output: 15 } } },
        oai: { type: 'openai', base_url: oai.url, api_key: 'sk-upstream-openai-0123456789', models: { 'gpt-5.1-codex': { input: 1.25, output: 10 } } },
        google: { type: 'gemini', base_url: gemini.url, api_key: 'AIza-upstream-0123456789', models: { 'gemini-2.5-flash': { input: 0.3, output: 2.5 } } },
      },
    });
    home = mkdtempSync(join(tmpdir(), 'tokenhub-codex-'));
  });
  after(async () => {
    await gw.close();
    await Promise.all([upstream.close(), claude.close(), gemini.close(), oai.close()]);
    rmSync(home, { recursive: true, force: true });
  });

  test('a tool-using turn completes: the call goes back to Codex and its output to the provider', { timeout: 120_000 }, async () => {
    const { code, output } = await codexExec(gw, home, 'What is the weather in Boston?');
    assert.equal(code, 0, output);
    assert.match(output, /Hello! How can I assist you today\?/);
    assert.ok(!/Reconnecting/.test(output), 'the WebSocket refusal is final: no retries before the HTTP fallback');

    assert.equal(upstream.requests.length, 2);
    const [first, second] = upstream.requests.map((r) => r.body);
    assert.ok(first!.tools.some((t: any) => t.function.name === 'exec_command'), 'Codex tools reach the provider as functions');
    assert.ok(first!.tools.some((t: any) => /^multi_agent_v1__/.test(t.function.name)), 'namespaced tools too');
    const tool = second!.messages.find((m: any) => m.role === 'tool');
    assert.equal(tool.tool_call_id, 'call_abc123');
    assert.equal(second!.messages.find((m: any) => m.tool_calls)?.tool_calls[0].function.name, 'get_current_weather');

    const records = (await gw.usage()).filter((r) => r.endpoint === 'responses');
    assert.deepEqual(records.map((r) => r.status), [200, 200]);
  });

  test('the same against an Anthropic provider: the tool_use id is the call_id Codex answers', { timeout: 120_000 }, async () => {
    const before = (await gw.usage()).length;
    const { code, output } = await codexExec(gw, home, 'What is the weather in San Francisco?', 'claude-sonnet-4-5');
    assert.equal(code, 0, output);
    assert.equal(claude.requests.length, 2);
    const [first, second] = claude.requests.map((r) => r.body);
    assert.ok(first!.tools.some((t: any) => t.name === 'exec_command'));
    const result = second!.messages.flatMap((m: any) => (Array.isArray(m.content) ? m.content : [])).find((b: any) => b.type === 'tool_result');
    assert.equal(result.tool_use_id, 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', 'the id in the recorded stream');
    const records = (await gw.usage()).slice(before);
    assert.deepEqual(records.map((r) => [r.endpoint, r.provider, r.status]), [['responses', 'claude', 200], ['responses', 'claude', 200]]);
  });

  test('and against a Gemini provider: Codex tools as function declarations, the function responses go back', { timeout: 120_000 }, async () => {
    const before = (await gw.usage()).length;
    const { code, output } = await codexExec(gw, home, 'What is the weather in Boston?', 'gemini-2.5-flash');
    assert.equal(code, 0, output);
    assert.equal(gemini.requests.length, 2);
    const [first, second] = gemini.requests.map((r) => r.body);
    const declared = first!.tools.flatMap((t: any) => t.functionDeclarations ?? []).map((f: any) => f.name);
    assert.ok(declared.includes('exec_command') && declared.some((n: string) => n.startsWith('multi_agent_v1__')));
    const answered = second!.contents.flatMap((c: any) => c.parts).filter((p: any) => p.functionResponse).map((p: any) => p.functionResponse.name);
    assert.deepEqual(answered, ['get_weather', 'get_time']);
    const records = (await gw.usage()).slice(before);
    assert.deepEqual(records.map((r) => [r.endpoint, r.provider, r.status]), [['responses', 'google', 200], ['responses', 'google', 200]]);
  });

  test('and against an openai provider: the request goes natively to its /v1/responses, Codex fields intact', { timeout: 120_000 }, async () => {
    const { code, output } = await codexExec(gw, home, 'Say hello', 'gpt-5.1-codex');
    assert.equal(code, 0, output);
    assert.match(output, /Hello world/);
    const sent = oai.requests.find((r) => r.method === 'POST')!;
    assert.equal(sent.path, '/v1/responses');
    assert.equal(sent.body.model, 'gpt-5.1-codex');
    assert.ok(sent.body.tools.some((t: any) => t.type === 'namespace'), 'namespace tools reach OpenAI as sent');
    assert.deepEqual(sent.body.include, ['reasoning.encrypted_content']);
    const record = (await gw.usage()).at(-1)!;
    assert.deepEqual([record.endpoint, record.provider, record.promptTokens, record.completionTokens], ['responses', 'oai', 10, 2]);
  });
});
