/** `providers add --preset` writes current models with their published prices, cache prices included (built binary). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { tempHome } from '../helpers/gateway.js';
import { PRESETS } from '../../src/providers/presets.js';

type ModelRow = { id: string; input_usd_per_mtok: number | null; output_usd_per_mtok: number | null; cached_input_usd_per_mtok: number | null; cache_write_usd_per_mtok: number | null };

test('--preset anthropic writes its models with input, output, cache read and cache write prices; a named model gets its own', async () => {
  const env = { TOKENHUB_HOME: tempHome() };
  assert.equal((await runCli(['init'], env)).code, 0);
  const add = await runCli(['providers', 'add', 'claude', '--preset', 'anthropic'], env);
  assert.equal(add.code, 0, add.stderr);
  const models = JSON.parse((await runCli(['models', '--json'], env)).stdout) as ModelRow[];
  const sonnet = models.find((m) => m.id === 'claude/claude-sonnet-4-5')!;
  assert.deepEqual([sonnet.input_usd_per_mtok, sonnet.output_usd_per_mtok, sonnet.cached_input_usd_per_mtok, sonnet.cache_write_usd_per_mtok], [3, 15, 0.3, 3.75]);
  assert.equal(models.filter((m) => m.id.startsWith('claude/')).length, Object.keys(PRESETS.anthropic.models).length);

  const one = await runCli(['providers', 'add', 'oai', '--preset', 'openai', '--model', 'gpt-5-mini', '--model', 'my-finetune:1:2'], env);
  assert.equal(one.code, 0, one.stderr);
  const after = JSON.parse((await runCli(['models', '--json'], env)).stdout) as ModelRow[];
  assert.deepEqual(after.filter((m) => m.id.startsWith('oai/')).map((m) => [m.id, m.input_usd_per_mtok, m.cached_input_usd_per_mtok]), [
    ['oai/gpt-5-mini', 0.25, 0.025],
    ['oai/my-finetune', 1, null],
  ]);
});

test('every priced preset model has a cache-read price, and Anthropic models a cache-write price at 1.25× input', () => {
  for (const [name, preset] of Object.entries(PRESETS)) {
    for (const [id, m] of Object.entries('models' in preset ? preset.models : {})) {
      if (m.output === undefined) continue; // embeddings
      assert.ok(m.cached_input !== undefined && m.cached_input < m.input!, `${name}/${id}`);
      if (preset.type === 'anthropic') assert.equal(m.cache_write, m.input! * 1.25, `${name}/${id}`);
    }
  }
});
