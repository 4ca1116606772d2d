/**
 * A chat client's request goes to an OpenAI-shaped provider as the client's own text with
 * only top-level fields edited (model, stream_options): topLevelFields must find the
 * top-level fields exactly where a parser would, or give up; and the edited text must
 * parse to the parsed body with the edits applied.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { topLevelFields, withTopLevelFields } from '../../src/providers/request-text.js';

/** A small deterministic generator of JSON values with awkward strings and nesting. */
function generator(seed: number) {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const pieces = ['a', ' ', '"', '\\', '\\"', '{', '}', '[', ']', ':', ',', '"model":', 'é', '🙂', '\n', '\u2028', 'model'];
  const str = () => Array.from({ length: Math.floor(rand() * 8) }, () => pick(pieces)).join('');
  const value = (depth: number): unknown => {
    const kind = depth > 3 ? Math.floor(rand() * 4) : Math.floor(rand() * 6);
    if (kind === 0) return str();
    if (kind === 1) return Math.floor(rand() * 1e6) / 100;
    if (kind === 2) return pick([true, false, null]);
    if (kind === 3) return -1 - Math.floor(rand() * 100);
    if (kind === 4) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(rand() * 4) }, () => [pick(['model', 'stream_options', str()]), value(depth + 1)]));
  };
  return { value, str, rand };
}

/** JSON.stringify with random whitespace around every token. */
function spaced(v: unknown, rand: () => number): string {
  const ws = () => [' ', '', '\n  ', '\t', ''][Math.floor(rand() * 5)]!;
  if (Array.isArray(v)) return `[${ws()}${v.map((x) => spaced(x, rand)).join(`${ws()},${ws()}`)}${ws()}]`;
  if (v && typeof v === 'object') return `{${ws()}${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}${ws()}:${ws()}${spaced(x, rand)}`).join(`${ws()},${ws()}`)}${ws()}}`;
  return JSON.stringify(v);
}

describe('topLevelFields and withTopLevelFields', () => {
  test('on 500 generated bodies: the edited text parses to the body with the edits, and the rest of the text is unchanged', () => {
    const g = generator(7);
    for (let n = 0; n < 500; n++) {
      const body: Record<string, unknown> = { model: g.str(), messages: [g.value(1), g.value(1)] };
      for (let i = Math.floor(g.rand() * 4); i > 0; i--) body[g.str() || 'k'] = g.value(1);
      if (g.rand() < 0.5) body.stream_options = { include_usage: g.rand() < 0.5 };
      const text = spaced(body, g.rand);
      const fields = topLevelFields(text);
      assert.ok(fields, text);
      assert.deepEqual([...fields.fields.keys()], Object.keys(body), text);
      for (const [k, [start, end]] of fields.fields) assert.deepEqual(JSON.parse(text.slice(start, end)), body[k], `${k} in ${text}`);
      const edited = withTopLevelFields(text, { model: JSON.stringify('served/x"y'), added: '{"include_usage":true}' });
      assert.deepEqual(JSON.parse(edited!), { ...body, model: 'served/x"y', added: { include_usage: true } });
      assert.ok(edited!.startsWith(text.slice(0, fields.fields.get('model')![0])), 'the text before the model is as sent');
    }
  });

  test('a "model" inside strings, nested objects and arrays is not the top-level model', () => {
    const text = '{"messages":[{"role":"user","content":"say \\"model\\": \\"x\\""},{"model":"nested"}],"meta":{"model":"deep"},"model":"top"}';
    const edited = withTopLevelFields(text, { model: '"served"' });
    assert.equal(edited, text.replace('"model":"top"', '"model":"served"'));
  });

  test('an escaped key names the same field as its plain spelling (as a parser reads it)', () => {
    const text = '{"mo\\u0064el":"top","messages":[]}';
    assert.equal(withTopLevelFields(text, { model: '"served"' }), '{"mo\\u0064el":"served","messages":[]}');
  });

  test('numbers, escapes and key order stay as the client wrote them', () => {
    const text = '{ "seed" : 12345678901234567890, "temperature": 1.0, "model": "gpt", "messages": [{"role":"user","content":"\\u00e9\\ud83d\\ude42"}] }';
    assert.equal(withTopLevelFields(text, { model: '"up"' }), text.replace('"gpt"', '"up"'));
  });

  test('gives up on what it cannot be sure of: not one object, a field twice, broken text', () => {
    for (const text of [
      '[{"model":"a"}]',
      '"model"',
      '{"model":"a","model":"b"}',
      '{"model":"a"} {"model":"b"}',
      '{"model":"a"',
      '{"model":"a}',
      '{"model" "a"}',
      '{"model":"a",}',
      '{}',
      '',
      '{"model":"a","x":[1,2}',
    ]) {
      assert.equal(withTopLevelFields(text, { model: '"b"' }), undefined, text);
    }
  });
});
