import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseDecoder, type SseEvent } from '../../src/upstream/sse.js';
import { generatedChars, rewriteModel } from '../../src/providers/openai/index.js';
import { adapterFor } from '../../src/providers/registry.js';
import type { Target } from '../../src/providers/types.js';
import { chatChunks } from '../fakes/openai-wire.js';

function decodeInPieces(text: string, size: number): SseEvent[] {
  const d = new SseDecoder();
  const bytes = Buffer.from(text);
  const out: SseEvent[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(...d.push(bytes.subarray(i, i + size)));
  out.push(...d.end());
  return out;
}

const WIRE =
  ': keep-alive comment\n\n' +
  'event: message_start\ndata: {"a":1}\n\n' +
  'data: first line\ndata: second line\n\n' +
  'id: 7\ndata:no-space\n\n' +
  'data: {"text":"naïve café ✓"}\n\n' +
  'data: [DONE]\n\n';

const EXPECTED: SseEvent[] = [
  { event: 'message_start', data: '{"a":1}', id: undefined },
  { event: undefined, data: 'first line\nsecond line', id: undefined },
  { event: undefined, data: 'no-space', id: '7' },
  { event: undefined, data: '{"text":"naïve café ✓"}', id: '7' },
  { event: undefined, data: '[DONE]', id: '7' },
];

test('decodes events split at every possible byte boundary, multi-byte characters included', () => {
  for (let size = 1; size <= WIRE.length; size++) assert.deepEqual(decodeInPieces(WIRE, size), EXPECTED, `pieces of ${size}`);
});

test('CRLF and lone CR line endings decode the same, even with \\r and \\n in different chunks', () => {
  for (const nl of ['\r\n', '\r']) {
    const text = WIRE.replace(/\n/g, nl);
    for (const size of [1, 2, 3, 5, 64]) assert.deepEqual(decodeInPieces(text, size), EXPECTED, `${JSON.stringify(nl)} pieces of ${size}`);
  }
});

test('an event without its closing blank line is delivered at the end', () => {
  assert.deepEqual(decodeInPieces('data: {"partial":true}', 4), [{ event: undefined, data: '{"partial":true}', id: undefined }]);
});

test('a leading byte-order mark is dropped, split or not; one later in the stream is content', () => {
  const bom = '\uFEFF';
  for (const size of [1, 2, 3, 64]) {
    assert.deepEqual(decodeInPieces(bom + WIRE, size), EXPECTED, `pieces of ${size}`);
    assert.deepEqual(decodeInPieces(`data: a${bom}\n\n`, size), [{ event: undefined, data: `a${bom}`, id: undefined }]);
  }
});

test('bytes that are not UTF-8 become U+FFFD and do not swallow the line ending', () => {
  const d = new SseDecoder();
  const out = [...d.push(Buffer.from([0x64, 0x61, 0x74, 0x61, 0x3a, 0x20, 0xff, 0xc3, 0x0a, 0x0a])), ...d.end()];
  assert.deepEqual(out, [{ event: undefined, data: '\uFFFD\uFFFD', id: undefined }]);
});

test('rewriteModel swaps only the model value, in place, escapes included', () => {
  const chunk = '{"id":"x","model":"gpt-4o-mini-2024-07-18","choices":[{"delta":{"content":"say \\"model\\": no"}}]}';
  const out = rewriteModel(chunk, JSON.stringify('openai/gpt-4o-mini'));
  assert.deepEqual(JSON.parse(out), { ...JSON.parse(chunk), model: 'openai/gpt-4o-mini' });
  assert.equal(rewriteModel('{"model": "a\\"b", "x": 1}', '"p/m"'), '{"model":"p/m", "x": 1}');
  assert.equal(rewriteModel('{"choices":[]}', '"p/m"'), '{"choices":[]}');
});

test('a stream without reported usage is estimated from what its chunks carry beyond their envelope', () => {
  const target = { provider: { name: 'p' }, model: 'm', upstreamModel: 'm', servedAs: 'p/m', info: null } as unknown as Target;
  const t = adapterFor('openai-compatible')!.streamTranslator('chat', target, { requestId: 'r', stream: true, clientWantsUsage: false, created: 0 });
  const words = Array.from({ length: 40 }, (_, i) => `word${i} `);
  for (const chunk of chatChunks('id', 'm', words, null)) t.push({ event: undefined, id: undefined, data: JSON.stringify(chunk) });
  const actual = words.join('').length;
  assert.equal(t.usage(), null);
  assert.ok(Math.abs(t.outputChars() - actual) <= actual * 0.1, `${t.outputChars()} ≈ ${actual}`);
});

test('generatedChars counts the generated text of a chunk without parsing it', () => {
  const chunk = JSON.stringify({ choices: [{ delta: { content: 'Hello', tool_calls: [{ function: { arguments: 'x=1' } }] } }] });
  assert.equal(generatedChars(chunk), 'Hello'.length + 'x=1'.length);
  assert.equal(generatedChars('{"choices":[{"delta":{"content":null}}]}'), 0);
  assert.equal(generatedChars('{"choices":[{"text":"abc"}]}'), 3);
});
