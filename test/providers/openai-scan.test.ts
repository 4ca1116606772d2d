/**
 * The stream hot path's JSON scans against every chunk shape they meet: OpenAI, vLLM,
 * Ollama, llama.cpp (model after choices), and servers that put whitespace around the
 * colon. The scan must agree with a real parse, or fall back to one.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { generatedChars, hasUsage, rewriteModel } from '../../src/providers/openai/json-scan.js';
import { adapterFor } from '../../src/providers/registry.js';
import type { Target } from '../../src/providers/types.js';

const SHAPES = readFileSync(new URL('../fixtures/openai-compatible/chunks.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { server: string; spacing: string; chunk: string });
const SERVED = 'acme/served';

describe('JSON scans on every chunk shape', () => {
  for (const { server, spacing, chunk } of SHAPES) {
    test(`${server} (${spacing}): the model is rewritten, usage and generated text are found`, () => {
      const parsed = JSON.parse(chunk) as Record<string, unknown>;
      const out = rewriteModel(chunk, JSON.stringify(SERVED));
      assert.deepEqual(JSON.parse(out), { ...parsed, model: SERVED });
      assert.equal(hasUsage(chunk), typeof parsed.usage === 'object' && parsed.usage !== null);
      const choices = parsed.choices as { delta?: { content?: string } }[];
      assert.equal(generatedChars(chunk), choices.reduce((n, c) => n + (c.delta?.content?.length ?? 0), 0));
    });
  }

  test('the stream translator sends the served model and reads the provider’s usage, whatever the spacing', () => {
    const target = { provider: { name: 'acme' }, model: 'm', upstreamModel: 'm', servedAs: SERVED, info: null } as unknown as Target;
    for (const { server, spacing, chunk } of SHAPES) {
      const t = adapterFor('openai-compatible')!.streamTranslator('chat', target, { requestId: 'r', stream: true, clientWantsUsage: true, created: 0 });
      const [sent] = t.push({ event: undefined, id: undefined, data: chunk });
      assert.equal((JSON.parse(sent!) as { model: string }).model, SERVED, `${server} ${spacing}`);
      const usage = (JSON.parse(chunk) as { usage?: { prompt_tokens: number } }).usage;
      assert.equal(t.usage()?.promptTokens ?? null, usage?.prompt_tokens ?? null, `${server} ${spacing}`);
    }
  });

  test('a model key the scan cannot read is set by a real parse; text without one is left alone', () => {
    assert.deepEqual(JSON.parse(rewriteModel('{"model":null,"choices":[]}', JSON.stringify(SERVED))), { model: SERVED, choices: [] });
    assert.deepEqual(JSON.parse(rewriteModel('{"type":"message_start","message":{"id":"m1","model" :"claude"}}', JSON.stringify(SERVED))), {
      type: 'message_start',
      message: { id: 'm1', model: SERVED },
    });
    assert.equal(rewriteModel('{"choices":[{"delta":{"content":"the model"}}]}', '"x"'), '{"choices":[{"delta":{"content":"the model"}}]}');
    // the word as a string value is not the key
    assert.deepEqual(JSON.parse(rewriteModel('{"kind":"model","model":"m"}', '"x"')), { kind: 'model', model: 'x' });
  });
});
