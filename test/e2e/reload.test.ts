import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { resolvePaths } from '../../src/config/paths.js';
import { startDaemon, type Daemon } from '../../src/server/daemon.js';
import { createLogger } from '../../src/util/log.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { BIN, runCli } from '../helpers/cli.js';
import { eventually, fakeProvider, tempHome, writeConfig } from '../helpers/gateway.js';

describe('a running daemon picks up config and key changes without a restart', () => {
  let fake: FakeOpenAI;
  let daemon: Daemon;
  let home: string;
  const logLines: string[] = [];

  before(async () => {
    assert.ok(BIN);
    fake = await startFakeOpenAI();
    home = tempHome();
    writeConfig(home, { providers: { acme: fakeProvider(fake.url, { 'model-a': { input: 1, output: 1 } }) } });
    daemon = await startDaemon({
      paths: resolvePaths({}, { TOKENHUB_HOME: home }),
      port: 0,
      log: createLogger({ write: (l) => logLines.push(l) }),
    });
  });
  after(async () => {
    await daemon.close(500);
    await fake.close();
  });

  const env = () => ({ TOKENHUB_HOME: home });

  test('a key minted by the CLI works at once and a revoked one is refused from the next watcher tick', async () => {
    const created = await runCli(['keys', 'create', '--name', 'live', '--json'], env());
    assert.equal(created.code, 0, created.stderr);
    const { id, key } = JSON.parse(created.stdout) as { id: string; key: string };
    const client = new OpenAI({ baseURL: `${daemon.url}/v1`, apiKey: key, maxRetries: 0 });
    await client.models.list(); // at once: no waiting for the watcher

    // a stream in flight while the key is revoked finishes; new requests are refused
    fake.setReply(() => ({ pieces: Array.from({ length: 10 }, () => 'x'), chunkDelayMs: 30 }));
    const stream = await client.chat.completions.create({ model: 'model-a', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const revoked = await runCli(['keys', 'revoke', id], env());
    assert.equal(revoked.code, 0, revoked.stderr);
    // the watcher (every 250 ms) reloads the keys: wait on that event, not on a wall-clock margin
    await eventually(async () => (await client.models.list().then(() => false, (e) => e instanceof OpenAI.AuthenticationError)));
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(text, 'x'.repeat(10), 'the in-flight stream was not cut');
    fake.setReply(() => ({}));
  });

  test('an edit to config.yaml is served from the next watcher tick; an invalid edit is logged and the last good config keeps serving', async () => {
    const { key } = JSON.parse((await runCli(['keys', 'create', '--json'], env())).stdout) as { key: string };
    const client = new OpenAI({ baseURL: `${daemon.url}/v1`, apiKey: key, maxRetries: 0 });
    const configPath = `${home}/config.yaml`;
    writeFileSync(configPath, stringify({ providers: { acme: fakeProvider(fake.url, { 'model-a': { input: 1, output: 1 }, 'model-b': {} }) } }));
    await eventually(async () => (await client.models.list()).data.some((m) => m.id === 'acme/model-b'));

    const good = readFileSync(configPath, 'utf8');
    writeFileSync(configPath, good.replace('type: openai-compatible', 'type: carrier-pigeon'));
    await eventually(() => logLines.some((l) => l.includes('not reloaded')));
    const line = logLines.find((l) => l.includes('not reloaded'))!;
    assert.match(line, /config\.yaml: providers\.acme\.type: expected one of openai, openai-compatible, anthropic, gemini \(line \d+\)/);
    const res = await client.chat.completions.create({ model: 'model-b', messages: [{ role: 'user', content: 'prompt-canary-7319' }] });
    assert.equal(res.model, 'acme/model-b', 'the last good config still serves');

    // one structured line per request, with ids and numbers but never the key or the prompt
    await eventually(() => logLines.some((l) => l.includes('"msg":"request"') && l.includes('model-b')));
    const entry = JSON.parse(logLines.filter((l) => l.includes('"msg":"request"')).at(-1)!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(entry).sort(), ['id', 'key_id', 'level', 'model', 'ms', 'msg', 'provider', 'status', 'time', 'tokens']);
    assert.equal(entry.status, 200);
    const all = logLines.join('\n');
    assert.ok(!all.includes('prompt-canary-7319'), 'no prompt text in the log');
    assert.ok(!all.includes(key), 'no key in the log');
    assert.ok(!all.includes('sk-upstream-secret'), 'no provider key in the log');
  });
});
