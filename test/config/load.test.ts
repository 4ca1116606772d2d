import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { EXAMPLE_CONFIG_PATH } from '../../src/config/edit.js';

const example = readFileSync(EXAMPLE_CONFIG_PATH, 'utf8');

test('config.example.yaml is valid as shipped', () => {
  const { config } = parseConfig(example, 'config.yaml', {});
  assert.equal(config.server.port, 8420);
  assert.equal(config.routing.strategy, 'cost');
  assert.deepEqual(config.providers, {});
});

test('every option config.example.yaml shows in its comments is valid when uncommented', () => {
  // Uncomment the indented example blocks (lines like "  # key: value" or "  #   key: value").
  const uncommented = example
    .split('\n')
    .map((line) => line.replace(/^(\s+)# ?(?=[a-z_"\[{].*:|  )/, '$1').replace(/^(\s+)#\s{2,}(?=\S)/, (_m, s: string) => s))
    .join('\n');
  const { config } = parseConfig(uncommented, 'config.yaml', { OPENAI_API_KEY: 'x', ANTHROPIC_API_KEY: 'y' });
  assert.deepEqual(Object.keys(config.providers).sort(), ['anthropic', 'ollama', 'openai']);
  assert.equal(config.routing.circuit?.failures, 5);
  assert.deepEqual(config.routes.fast?.targets, ['openai/gpt-4o-mini', 'ollama/llama3.2']);
});

test('${VAR} and ${VAR:-default} are expanded; an unset variable is a warning, not an error', () => {
  const text = 'providers:\n  a:\n    type: openai-compatible\n    base_url: http://${HOST:-127.0.0.1}:${PORT}/v1\n    api_key: ${KEY}\n';
  const { config, warnings } = parseConfig(text, 'config.yaml', { PORT: '9000' });
  assert.equal(config.providers.a!.base_url, 'http://127.0.0.1:9000/v1');
  assert.deepEqual(warnings, ['config.yaml: environment variable KEY is not set']);
});

test('errors name the file, the field, the reason and the line, at most five of them', () => {
  const text = 'server:\n  port: "eighty"\nrouting:\n  strategy: fastest\n  colour: blue\n';
  assert.throws(
    () => parseConfig(text, '/home/u/.tokenhub/config.yaml', {}),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(err.message.split('\n'), [
        'config.yaml: server.port: expected number (line 2)',
        'config.yaml: routing.strategy: expected one of cost, latency, availability, round-robin (line 4)',
        'config.yaml: routing: unknown field colour (line 5)',
      ]);
      return true;
    },
  );
  const many = Array.from({ length: 7 }, (_, i) => `  p${i}: { type: nope }`).join('\n');
  assert.throws(() => parseConfig(`providers:\n${many}\n`, 'config.yaml', {}), /\(and \d+ more\)$/);
});
