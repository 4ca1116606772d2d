/**
 * The stream hot path's JSON scans against every chunk shape they meet: OpenAI, vLLM,
 * Ollama, llama.cpp (model after choices), and servers that put whitespace around the
 * colon. The scan must agree with a real parse, or fall back to one.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { generatedChars, hasUsage, objectText, rewriteModel, scanUsage } from '../../src/providers/openai/json-scan.js';
import { adapterFor } from '../../src/providers/registry.js';
import { usageFromOpenAI } from '../../src/providers/openai/index.js';
import { makeCtx, makeTarget } from './helpers.js';
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

describe('whole answers: usage found by a scan agrees with a parse, or the scan gives up', () => {
  const fixture = (path: string) => readFileSync(new URL(`../fixtures/openai/${path}`, import.meta.url), 'utf8');
  const answers = ['chat-cached-reasoning.json', 'chat-tool-call.json', 'wire/chat-completion.json', 'wire/completion.json', 'wire/embeddings.json', 'responses/chat-text.json', 'responses/responses-text.json'];
  for (const name of answers) {
    test(`${name}: the usage object, as a parse reads it`, () => {
      const text = fixture(name);
      const parsed = JSON.parse(text) as { usage?: unknown };
      assert.ok(parsed.usage, 'the fixture has usage');
      assert.deepEqual(scanUsage(text), parsed.usage);
      assert.deepEqual(scanUsage(JSON.stringify(parsed)), parsed.usage, 'and in compact form');
    });
  }

  test('the scan gives up (the caller parses) on an error object, a usage string, broken or missing JSON', () => {
    const answer = JSON.parse(fixture('wire/chat-completion.json')) as Record<string, unknown>;
    const text = JSON.stringify(answer);
    assert.equal(scanUsage(JSON.stringify({ ...answer, error: { message: 'overloaded' } })), undefined, 'an error object anywhere');
    assert.deepEqual(scanUsage(JSON.stringify({ ...answer, error: null })), answer.usage, 'a null error is no error');
    assert.equal(scanUsage(text.slice(0, -1)), undefined, 'cut short');
    assert.equal(scanUsage(`[${text}]`), undefined, 'not an object');
    assert.equal(scanUsage(JSON.stringify({ ...answer, usage: null })), undefined, 'usage null');
    assert.equal(scanUsage(JSON.stringify({ ...answer, usage: undefined })), undefined, 'no usage');
    const quoted = JSON.stringify({ choices: [{ message: { content: 'say "usage": {"prompt_tokens": 1}' } }], usage: { prompt_tokens: 2 } });
    assert.deepEqual(scanUsage(quoted), { prompt_tokens: 2 }, 'usage in a string is not usage');
    assert.equal(objectText('{"a":{"b":"}"},"c":1}', 5), '{"b":"}"}', 'a brace in a string does not close the object');
    assert.equal(objectText('{"a":{"b":1', 5), undefined, 'an object that never closes');
  });

  test('the adapter passes the text on (model renamed) with the scanned usage; a parse would have said the same', () => {
    const text = fixture('chat-cached-reasoning.json');
    const adapter = adapterFor('openai')!;
    const target = { servedAs: SERVED } as Target;
    const scanned = adapter.scanResponse!('chat', text, target)!;
    const parsed = adapter.parseResponse('chat', JSON.parse(text), target, {} as never, text);
    assert.deepEqual(scanned.usage, parsed.usage);
    assert.deepEqual(JSON.parse(scanned.text), { ...(JSON.parse(text) as object), model: SERVED });
  });

  test('an answer without a model key is left to the parse, which names the model; "model" as a value is no key', () => {
    const adapter = adapterFor('openai')!;
    const target = { servedAs: SERVED } as Target;
    const answer = JSON.parse(fixture('wire/chat-completion.json')) as Record<string, unknown>;
    delete answer.model;
    answer.object = 'model'; // a value "model", as some servers' objects have, with the key missing
    assert.equal(adapter.scanResponse!('chat', JSON.stringify(answer), target), undefined);
    const parsed = adapter.parseResponse('chat', answer, target, {} as never, JSON.stringify(answer));
    assert.equal((JSON.parse(parsed.text ?? JSON.stringify(parsed.body)) as { model: string }).model, SERVED);
  });
});

describe('a usage chunk read by a scan says what its parse says', () => {
  const target = makeTarget('openai', 'gpt-4o-mini');
  const usageChunks = SHAPES.filter((s) => s.chunk.includes('"usage"')).map((s) => s.chunk);
  const wire = readFileSync(new URL('../fixtures/openai/wire/chat-usage-chunk.json', import.meta.url), 'utf8').trim();
  const parsedWire = JSON.parse(wire) as Record<string, unknown>;
  const content = { index: 0, delta: { content: 'Hi "there"' }, finish_reason: 'stop' };
  const variants = [
    wire,
    ...usageChunks,
    JSON.stringify({ ...parsedWire, choices: [content] }), // usage on a chunk with content (vLLM's continuous usage)
    JSON.stringify(parsedWire, null, 2), // pretty, choices as "[]"
    wire.replace('"choices":[]', '"choices":[ \n ]'),
    JSON.stringify({ ...parsedWire, error: null }),
    JSON.stringify({ ...parsedWire, choices: undefined }), // no choices at all: left to the parse
    JSON.stringify({ ...parsedWire, choices: [content], error: { message: 'overloaded' } }), // an error with choices: the parse sees it
    JSON.stringify({ ...parsedWire, usage: {} }),
  ];
  for (const clientWantsUsage of [false, true]) {
    for (const [n, data] of variants.entries()) {
      test(`variant ${n}, the client ${clientWantsUsage ? 'asked' : 'did not ask'} for usage`, () => {
        const t = adapterFor('openai')!.streamTranslator('chat', target, makeCtx({ stream: true, clientWantsUsage }));
        const out = t.push({ data } as never);
        const parsed = JSON.parse(data) as { usage?: unknown; choices?: unknown[]; error?: { message?: string } };
        if (parsed.error) {
          assert.deepEqual(out, [data]);
          assert.equal(t.error()?.message, parsed.error.message);
          return;
        }
        assert.deepEqual(t.usage(), usageFromOpenAI(parsed.usage));
        const dropped = !clientWantsUsage && (!parsed.choices || parsed.choices.length === 0);
        assert.deepEqual(out, dropped ? [] : [rewriteModel(data, JSON.stringify(target.servedAs))]);
        assert.equal(t.outputChars(), dropped ? 0 : generatedChars(data));
      });
    }
  }
});
