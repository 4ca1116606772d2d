/**
 * `tokenhub routes` and `tokenhub strategy` through the built binary (run `npm run
 * build` first when running this file alone).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { tempHome, writeConfig } from '../helpers/gateway.js';

/** A config.yaml as `init` plus two `providers add` would leave it (written directly: fewer spawns). */
const CONFIG = `# TokenHub configuration.

routing:
  # cost | latency | availability | round-robin; a route or the
  # X-Inferoute-Strategy request header overrides it.
  strategy: cost

providers:
  openai:
    type: openai
    api_key_env: OPENAI_API_KEY
    models:
      gpt-4o-mini: { input: 0.15, output: 0.6 }
      gpt-4o: { input: 2.5, output: 10 }
  groq:
    type: openai-compatible
    base_url: http://127.0.0.1:9/v1
    models:
      gpt-4o-mini: { input: 0.1, output: 0.2 }
      llama: { input: 0.05, output: 0.08 }

routes:
  # An alias that clients can use as a model name.
`;

async function homeWithProviders() {
  const home = tempHome();
  writeConfig(home, CONFIG);
  const config = () => readFileSync(`${home}/config.yaml`, 'utf8');
  return { home, env: { TOKENHUB_HOME: home }, config };
}

describe('tokenhub routes and strategy', () => {
  test('routes set creates and updates a route in config.yaml, keeping the comments', async () => {
    const { env, config } = await homeWithProviders();
    const set = await runCli(['routes', 'set', 'fast', '--strategy', 'latency', '--targets', 'openai/gpt-4o-mini,groq/llama', '--fallback', 'openai/gpt-4o'], env);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /Added route fast: latency → openai\/gpt-4o-mini, groq\/llama/);
    assert.deepEqual(parse(config()).routes.fast, { strategy: 'latency', targets: ['openai/gpt-4o-mini', 'groq/llama'], fallback: ['openai/gpt-4o'] });
    assert.match(config(), /# An alias that clients can use as a model name\./, 'comments survive');

    const update = await runCli(['routes', 'set', 'fast', '--strategy', 'round-robin', '--no-fallback'], env);
    assert.equal(update.code, 0, update.stderr);
    assert.match(update.stdout, /Updated route fast/);
    assert.deepEqual(parse(config()).routes.fast, { strategy: 'round-robin', targets: ['openai/gpt-4o-mini', 'groq/llama'] });
  });

  test('a route named after a model spreads over every provider of it', async () => {
    const { env, config } = await homeWithProviders();
    const r = await runCli(['routes', 'set', 'gpt-4o-mini', '--strategy', 'availability'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /gpt-4o-mini \(openai, groq\)/);
    assert.deepEqual(parse(config()).routes['gpt-4o-mini'], { strategy: 'availability', targets: ['gpt-4o-mini'] });
  });

  test('routes list shows a table a person can read, and --json for scripts', async () => {
    const { env } = await homeWithProviders();
    await runCli(['routes', 'set', 'fast', '--strategy', 'latency', '--targets', 'openai/gpt-4o-mini,groq/llama', '--fallback', 'openai/gpt-4o'], env);
    await runCli(['routes', 'set', 'cheap', '--targets', 'gpt-4o-mini,nope/x'], env);
    const list = await runCli(['routes', 'list'], env);
    assert.equal(list.code, 0, list.stderr);
    const lines = list.stdout.split('\n');
    assert.match(lines[0]!, /^Default strategy: cost\s+default fallback: none$/);
    assert.match(list.stdout, /^ROUTE\s+STRATEGY\s+TARGETS\s+FALLBACK$/m);
    assert.match(list.stdout, /^fast\s+latency\s+openai\/gpt-4o-mini, groq\/llama\s+openai\/gpt-4o$/m);
    assert.match(list.stdout, /^cheap\s+cost \(default\)\s+gpt-4o-mini \(openai, groq\), nope\/x \(not configured\)\s+—$/m);
    assert.doesNotMatch(list.stdout, /\u001b\[/, 'no colour when piped');

    const json = await runCli(['routes', 'list', '--json'], env);
    const rows = JSON.parse(json.stdout) as { name: string; strategy: string; strategy_source: string; serves: string[]; unknown: string[] }[];
    assert.deepEqual(rows.map((r) => r.name), ['fast', 'cheap']);
    assert.equal(rows[1]!.strategy_source, 'default');
    assert.deepEqual(rows[1]!.serves, ['openai/gpt-4o-mini', 'groq/gpt-4o-mini']);
    assert.deepEqual(rows[1]!.unknown, ['nope/x']);
  });

  test("a pattern route ('gpt-4o*') is set, listed as a pattern and marked in --json", async () => {
    const { env } = await homeWithProviders();
    const set = await runCli(['routes', 'set', 'gpt-4o*', '--targets', 'openai/gpt-4o'], env);
    assert.equal(set.code, 0, set.stderr);
    const list = await runCli(['routes', 'list'], env);
    assert.match(list.stdout, /^gpt-4o\* \(pattern\)\s+cost \(default\)\s+openai\/gpt-4o\s+—$/m);
    const rows = JSON.parse((await runCli(['routes', 'list', '--json'], env)).stdout) as { name: string; pattern: boolean }[];
    assert.deepEqual(rows.map((r) => [r.name, r.pattern]), [['gpt-4o*', true]]);
    const models = await runCli(['models'], env);
    assert.match(models.stdout, /^gpt-4o\* \(pattern\)\s+cost/m);
  });

  test('routes remove deletes a route; removing an unknown one exits 1', async () => {
    const { env, config } = await homeWithProviders();
    await runCli(['routes', 'set', 'fast', '--targets', 'openai/gpt-4o-mini'], env);
    const rm = await runCli(['routes', 'remove', 'fast'], env);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(parse(config()).routes, null, 'only the comments are left');
    const again = await runCli(['routes', 'remove', 'fast'], env);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error: no route named fast/);
  });

  test('bad usage exits 2: an unknown strategy, nothing to change, a new alias without targets', async () => {
    const { env, config } = await homeWithProviders();
    const before = config();
    const bad = await runCli(['routes', 'set', 'fast', '--strategy', 'fastest', '--targets', 'gpt-4o'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Allowed choices are cost, latency, availability, round-robin/);
    assert.equal((await runCli(['routes', 'set', 'gpt-4o'], env)).code, 2);
    const noTargets = await runCli(['routes', 'set', 'newalias', '--strategy', 'cost'], env);
    assert.equal(noTargets.code, 2);
    assert.match(noTargets.stderr, /--targets/);
    assert.equal((await runCli(['strategy', 'fastest'], env)).code, 2);
    assert.equal(config(), before, 'config.yaml untouched');
  });

  test('strategy sets the default in place and shows it without an argument', async () => {
    const { env, config } = await homeWithProviders();
    const r = await runCli(['strategy', 'latency'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Default strategy: latency \(was cost\)/);
    assert.equal(parse(config()).routing.strategy, 'latency');
    assert.match(config(), /# cost \| latency \| availability \| round-robin/, 'the comment above it survives');
    assert.equal((await runCli(['strategy'], env)).stdout.trim(), 'latency');
  });

  test('routes and strategy have --help with examples', async () => {
    for (const cmd of [['routes'], ['routes', 'set'], ['routes', 'list'], ['routes', 'remove'], ['strategy']]) {
      const r = await runCli([...cmd, '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /\$ tokenhub/, cmd.join(' '));
    }
  });
});
