import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import OpenAI from 'openai';
import { runCli, startCli, stopChild } from '../helpers/cli.js';
import { tempHome } from '../helpers/gateway.js';

const COMMANDS = [
  [],
  ['init'],
  ['serve'],
  ['stop'],
  ['status'],
  ['providers'],
  ['providers', 'add'],
  ['providers', 'list'],
  ['providers', 'remove'],
  ['providers', 'test'],
  ['routes'],
  ['routes', 'set'],
  ['routes', 'list'],
  ['routes', 'remove'],
  ['strategy'],
  ['top'],
  ['env'],
  ['run'],
  ['keys', 'edit'],
  ['keys'],
  ['keys', 'create'],
  ['keys', 'list'],
  ['keys', 'show'],
  ['keys', 'revoke'],
  ['models'],
  ['usage'],
];

describe('the CLI', () => {
  test('every command has --help with an example, and exits 0', async () => {
    for (const cmd of COMMANDS) {
      const r = await runCli([...cmd, '--help']);
      assert.equal(r.code, 0, cmd.join(' '));
      assert.match(r.stdout, /Usage: tokenhub/, cmd.join(' '));
      assert.match(r.stdout, /\$ tokenhub/, `${cmd.join(' ')} --help shows an example`);
    }
  });

  test('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), pkg.version);
  });

  test('bad usage exits 2 with a hint; errors exit 1 on stderr with no stack trace and no colour when piped', async () => {
    const home = tempHome();
    const unknown = await runCli(['frobnicate'], { TOKENHUB_HOME: home });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
    assert.match(unknown.stderr, /--help/);
    const badFlag = await runCli(['keys', 'list', '--colour'], { TOKENHUB_HOME: home });
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /unknown option '--colour'/);
    const missing = await runCli(['keys', 'revoke', 'key_nope'], { TOKENHUB_HOME: home });
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /^error: no key matches "key_nope"/);
    assert.doesNotMatch(missing.stderr, /\u001b\[|at .*\.js:\d+/);
  });

  test('colours follow FORCE_COLOR and NO_COLOR, and NO_COLOR wins', async () => {
    const home = tempHome();
    const forced = await runCli(['keys', 'list', '--all'], { TOKENHUB_HOME: home, FORCE_COLOR: '1' });
    await runCli(['keys', 'create', '--name', 'x'], { TOKENHUB_HOME: home });
    const coloured = await runCli(['keys', 'list'], { TOKENHUB_HOME: home, FORCE_COLOR: '1' });
    assert.equal(forced.code, 0);
    assert.match(coloured.stdout, /\u001b\[/);
    const plain = await runCli(['keys', 'list'], { TOKENHUB_HOME: home, FORCE_COLOR: '1', NO_COLOR: '1' });
    assert.doesNotMatch(plain.stdout, /\u001b\[/);
  });

  test('an invalid config.yaml is refused with file, field, line and reason, exit 1', async () => {
    const home = tempHome();
    writeFileSync(`${home}/config.yaml`, 'routing:\n  strategy: fastest\nproviders: {}\n');
    const r = await runCli(['models'], { TOKENHUB_HOME: home });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /config\.yaml: routing\.strategy: expected one of cost, latency, availability, round-robin \(line 2\)/);
    writeFileSync(`${home}/config.yaml`, 'providers:\n  a: [unclosed\n');
    const syntax = await runCli(['serve', '--port', '0'], { TOKENHUB_HOME: home });
    assert.equal(syntax.code, 1);
    assert.match(syntax.stderr, /config\.yaml: .*\(line \d\)/);
  });

  test('init, providers add/list/remove edit config.yaml in place and keep comments', async () => {
    const home = tempHome();
    const env = { TOKENHUB_HOME: home };
    assert.equal((await runCli(['init'], env)).code, 0);
    assert.equal(statSync(`${home}/config.yaml`).mode & 0o777, 0o600);
    assert.equal((await runCli(['init'], env)).code, 1, 'init does not overwrite');
    const add = await runCli(
      ['providers', 'add', 'local', '--type', 'openai-compatible', '--base-url', 'http://127.0.0.1:11434/v1', '--model', 'llama3.2:3b', '--model', 'qwen:0.1:0.2'],
      env,
    );
    assert.equal(add.code, 0, add.stderr);
    const text = readFileSync(`${home}/config.yaml`, 'utf8');
    assert.match(text, /# One entry per provider\. Prices are USD per million tokens\./, 'comments kept');
    assert.match(text, /strategy: cost/);
    const list = JSON.parse((await runCli(['providers', 'list', '--json'], env)).stdout) as { name: string; models: string[] }[];
    assert.deepEqual(list, [{ name: 'local', type: 'openai-compatible', base_url: 'http://127.0.0.1:11434/v1', api_key: null, enabled: true, models: ['llama3.2:3b', 'qwen'] }]);
    const models = JSON.parse((await runCli(['models', '--json'], env)).stdout) as { id: string; input_usd_per_mtok: number | null }[];
    assert.deepEqual(models.map((m) => [m.id, m.input_usd_per_mtok]), [['local/llama3.2:3b', null], ['local/qwen', 0.1]]);
    assert.equal((await runCli(['providers', 'add', 'local', '--type', 'openai'], env)).code, 1, 'no silent replace');
    assert.equal((await runCli(['providers', 'add', 'x', '--type', 'telegraph'], env)).code, 2);
    assert.equal((await runCli(['providers', 'add', 'm', '--preset', 'mistral', '--model', 'mistral-small-latest:0.1:0.3'], env)).code, 0);
    const mistral = (JSON.parse((await runCli(['providers', 'list', '--json'], env)).stdout) as { name: string; base_url: string }[]).find((p) => p.name === 'm');
    assert.equal(mistral?.base_url, 'https://api.mistral.ai/v1');
    assert.match(readFileSync(`${home}/config.yaml`, 'utf8'), /stream_usage: false/, 'Mistral rejects stream_options');
    assert.equal((await runCli(['providers', 'remove', 'm'], env)).code, 0);
    assert.equal((await runCli(['providers', 'remove', 'local'], env)).code, 0);
    assert.deepEqual(JSON.parse((await runCli(['providers', 'list', '--json'], env)).stdout), []);
    assert.match(readFileSync(`${home}/config.yaml`, 'utf8'), /# An alias that clients can use as a model name\./);
  });

  test('keys create prints the key once, stores only its hash, and list/show/revoke work by id or prefix', async () => {
    const home = tempHome();
    const env = { TOKENHUB_HOME: home };
    const created = await runCli(['keys', 'create', '--name', 'ci', '--budget', '5', '--budget-period', 'day', '--rpm', '60', '--expires', '30d', '--json'], env);
    assert.equal(created.code, 0, created.stderr);
    const k = JSON.parse(created.stdout) as { id: string; key: string; name: string; prefix: string; budget_usd: number; rpm: number; expires_at: string };
    assert.match(k.key, /^sk-th-[0-9A-Za-z]{32,}$/);
    assert.equal(k.name, 'ci');
    assert.equal(k.budget_usd, 5);
    assert.equal(k.rpm, 60);
    assert.ok(Date.parse(k.expires_at) > Date.now() + 29 * 86_400_000);
    const db = readFileSync(`${home}/tokenhub.db`);
    assert.equal(db.includes(k.key), false, 'the key is not in the database in clear');
    assert.equal(statSync(`${home}/tokenhub.db`).mode & 0o777, 0o600);
    assert.equal(statSync(home).mode & 0o777, 0o700);

    const plain = await runCli(['keys', 'create', '--name', 'human'], env);
    assert.match(plain.stdout.trim(), /^sk-th-[0-9A-Za-z]{32,}$/, 'stdout is just the key, for scripts');
    assert.match(plain.stderr, /only time the full key is shown/);

    const list = JSON.parse((await runCli(['keys', 'list', '--json'], env)).stdout) as { id: string; prefix: string }[];
    assert.equal(list.length, 2);
    assert.ok(list.every((x) => !JSON.stringify(x).includes('sk-th-') || x.prefix.length < 16));
    const shown = JSON.parse((await runCli(['keys', 'show', k.prefix, '--json'], env)).stdout) as { id: string };
    assert.equal(shown.id, k.id);
    assert.equal((await runCli(['keys', 'revoke', k.id.slice(0, 9)], env)).code, 0);
    const after = JSON.parse((await runCli(['keys', 'list', '--json', '--all'], env)).stdout) as { id: string; status: string }[];
    assert.equal(after.find((x) => x.id === k.id)!.status, 'revoked');
  });

  test('serve --demo works offline through the OpenAI SDK; usage --json counts it; a busy port is exit 1', async () => {
    const home = tempHome();
    const env = { TOKENHUB_HOME: home };
    const server = await startCli(['serve', '--demo', '--port', '0'], env, /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)[\s\S]*Demo key:\s+(sk-th-\S+)/);
    try {
      const [, baseURL, apiKey] = server.match;
      const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
      const models = await client.models.list();
      assert.ok(models.data.length >= 3);
      const res = await client.chat.completions.create({ model: 'swift/demo-chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 5 });
      assert.equal(res.model, 'swift/demo-chat');
      const stream = await client.chat.completions.create({ model: 'swift/demo-chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3, stream: true });
      let text = '';
      for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
      assert.ok(text.length > 0);
      const emb = await client.embeddings.create({ model: 'demo-embed', input: 'hello' });
      assert.equal(emb.data.length, 1);

      const status = JSON.parse((await runCli(['status', '--json'], env)).stdout) as { running: boolean; url: string };
      assert.equal(status.running, true);
      const port = new URL(baseURL!).port;
      const busy = await runCli(['serve', '--port', port], { TOKENHUB_HOME: tempHome() });
      assert.equal(busy.code, 1);
      assert.match(busy.stderr, new RegExp(`port ${port} .* already in use`));
    } finally {
      assert.equal(await stopChild(server.child), 0, 'SIGTERM stops cleanly with exit 0');
    }
    const usage = JSON.parse((await runCli(['usage', '--json'], env)).stdout) as { requests: number; completion_tokens: number };
    assert.ok(usage.requests >= 3, 'every request reached a usage record, flushed on shutdown');
    assert.ok(usage.completion_tokens >= 8);
    const status = await runCli(['status', '--json'], env);
    assert.equal(JSON.parse(status.stdout).running, false);
  });

  test('a port taken by another program is reported as busy', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = String((srv.address() as { port: number }).port);
    try {
      const r = await runCli(['serve', '--port', port], { TOKENHUB_HOME: tempHome() });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /already in use/);
    } finally {
      srv.close();
    }
  });
});
