import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openai.js';
import { runCli, startCli, stopChild } from '../helpers/cli.js';
import { eventually, fakeProvider, tempHome, writeConfig } from '../helpers/gateway.js';

describe('daemon lifecycle', () => {
  let fake: FakeOpenAI;
  before(async () => {
    fake = await startFakeOpenAI();
  });
  after(async () => {
    await fake.close();
  });

  function homeWithFake(grace?: number): string {
    const home = tempHome();
    writeConfig(home, {
      ...(grace ? { server: { shutdown_grace_ms: grace } } : {}),
      providers: { acme: fakeProvider(fake.url, { 'gpt-fake': { input: 1, output: 1 } }) },
    });
    return home;
  }

  test('serve --detach returns once healthy; status reports it with request counts; stop stops it', async () => {
    const home = homeWithFake();
    const env = { TOKENHUB_HOME: home };
    const started = await runCli(['serve', '--detach', '--port', '0'], env);
    assert.equal(started.code, 0, started.stderr);
    assert.match(started.stdout, /running in the background at http:\/\/127\.0\.0\.1:\d+\/v1 \(pid \d+\)/);
    assert.equal(statSync(`${home}/admin.token`).mode & 0o777, 0o600);
    try {
      const { key } = JSON.parse((await runCli(['keys', 'create', '--json'], env)).stdout) as { key: string };
      const state = JSON.parse(readFileSync(`${home}/daemon.json`, 'utf8')) as { url: string; pid: number };
      const client = new OpenAI({ baseURL: `${state.url}/v1`, apiKey: key, maxRetries: 0 });
      await client.chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'a' }] });
      await client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'b' }] }).catch(() => {});

      const status = await runCli(['status', '--json'], env);
      assert.equal(status.code, 0);
      const s = JSON.parse(status.stdout) as Record<string, unknown>;
      assert.equal(s.running, true);
      assert.equal(s.answering, true);
      assert.equal(s.pid, state.pid);
      assert.equal(s.url, state.url);
      assert.equal(s.requests, 2);
      assert.equal(s.errors, 1);

      const second = await runCli(['serve', '--port', '0'], env);
      assert.equal(second.code, 1, 'a second serve for the same home is refused');
      assert.match(second.stderr, /already running/);
    } finally {
      const stopped = await runCli(['stop'], env);
      assert.equal(stopped.code, 0, stopped.stderr);
      assert.match(stopped.stdout, /Stopped tokenhub/);
    }
    const status = await runCli(['status', '--json'], env);
    assert.equal(status.code, 3);
    assert.deepEqual(JSON.parse(status.stdout), { running: false });
    assert.equal(existsSync(`${home}/daemon.json`), false);
    assert.equal((await runCli(['stop'], env)).code, 1, 'stop with nothing running is an error');
  });

  test('SIGTERM lets in-flight streams finish, refuses new connections, records every stream, exits 0', async () => {
    const home = homeWithFake(5000);
    const env = { TOKENHUB_HOME: home };
    const { key } = JSON.parse((await runCli(['keys', 'create', '--json'], env)).stdout) as { key: string };
    const server = await startCli(['serve', '--port', '0'], env, /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/);
    const client = new OpenAI({ baseURL: server.match[1], apiKey: key, maxRetries: 0 });
    fake.setReply(() => ({ pieces: Array.from({ length: 15 }, (_, i) => `p${i} `), chunkDelayMs: 40 }));
    try {
      const streams = await Promise.all(
        [1, 2, 3].map(() => client.chat.completions.create({ model: 'gpt-fake', messages: [{ role: 'user', content: 'go' }], stream: true })),
      );
      const texts = streams.map(async (s) => {
        let t = '';
        for await (const c of s) t += c.choices[0]?.delta.content ?? '';
        return t;
      });
      // the streams are in flight (their headers came); wait for the daemon to say it is draining, not for a sleep
      const exited = stopChild(server.child, 'SIGTERM');
      await eventually(() => /finishing in-flight requests/.test(server.stdout() + server.stderr()));
      await assert.rejects(client.models.list(), 'new connections are refused while draining');
      const done = await Promise.all(texts);
      for (const t of done) assert.equal(t, Array.from({ length: 15 }, (_, i) => `p${i} `).join(''));
      assert.equal(await exited, 0);
    } finally {
      fake.setReply(() => ({}));
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
    const usage = JSON.parse((await runCli(['usage', '--json'], env)).stdout) as { requests: number; errors: number; completion_tokens: number };
    assert.equal(usage.requests, 3);
    assert.equal(usage.errors, 0);
    assert.equal(usage.completion_tokens, 3 * 4, 'the provider-reported usage of each stream');
  });
});
