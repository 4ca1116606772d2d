import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AnthropicEventWriter, anthropicFrame, deltaFrame } from '../../src/inbound/anthropic/stream.js';

describe('OpenAI chunks → Anthropic events', () => {
  const chunk = (delta: object, finish: string | null = null) => JSON.stringify({ id: 'c', model: 'acme/m', choices: [{ index: 0, delta, finish_reason: finish }] });
  const events = (frames: string[]) => frames.map((f) => JSON.parse(f.slice(f.indexOf('data: ') + 6)) as Record<string, any>);

  test('text then two tool calls become blocks 0, 1 and 2, each closed before the next opens', () => {
    const w = new AnthropicEventWriter({ id: 'msg_x', model: 'm', promptEstimate: 9 });
    const out = events([
      ...w.push(chunk({ role: 'assistant', content: 'Checking.' })),
      ...w.push(chunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'a', arguments: '{"x"' } }] })),
      ...w.push(chunk({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] })),
      ...w.push(chunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'b', arguments: '{}' } }] })),
      ...w.push(chunk({}, 'tool_calls')),
      ...w.push(JSON.stringify({ id: 'c', choices: [], usage: { prompt_tokens: 30, completion_tokens: 12, prompt_tokens_details: { cached_tokens: 10 } } })),
      ...w.push('[DONE]'),
    ]);
    assert.deepEqual(
      out.map((e) => [e.type, e.index ?? null, e.content_block?.type ?? e.delta?.type ?? null]),
      [
        ['message_start', null, null],
        ['ping', null, null],
        ['content_block_start', 0, 'text'],
        ['content_block_delta', 0, 'text_delta'],
        ['content_block_stop', 0, null],
        ['content_block_start', 1, 'tool_use'],
        ['content_block_delta', 1, 'input_json_delta'],
        ['content_block_delta', 1, 'input_json_delta'],
        ['content_block_stop', 1, null],
        ['content_block_start', 2, 'tool_use'],
        ['content_block_delta', 2, 'input_json_delta'],
        ['content_block_stop', 2, null],
        ['message_delta', null, null],
        ['message_stop', null, null],
      ],
    );
    assert.equal(out[0]!.message.model, 'acme/m');
    assert.deepEqual(out[5]!.content_block, { type: 'tool_use', id: 'call_a', name: 'a', input: {} });
    assert.deepEqual(out.at(-2)!.delta, { stop_reason: 'tool_use', stop_sequence: null });
    assert.deepEqual(out.at(-2)!.usage, { input_tokens: 20, output_tokens: 12, cache_read_input_tokens: 10, cache_creation_input_tokens: 0 });
    assert.deepEqual(w.end(), [], 'the message ends once');
  });

  test('an error frame mid-stream becomes an error event and nothing follows; a stream with no usage gets estimates', () => {
    const w = new AnthropicEventWriter({ id: 'msg_x', model: 'm', promptEstimate: 9 });
    const out = events([...w.push(chunk({ content: 'Hel' })), ...w.push(JSON.stringify({ error: { message: 'broke off', type: 'api_error', code: 'upstream_error' } })), ...w.push('[DONE]')]);
    assert.deepEqual(out.map((e) => e.type), ['message_start', 'ping', 'content_block_start', 'content_block_delta', 'error']);
    assert.deepEqual(out.at(-1)!.error, { type: 'api_error', message: 'broke off' });
    const quiet = new AnthropicEventWriter({ id: 'msg_y', model: 'm', promptEstimate: 9 });
    const tail = events([...quiet.push(chunk({ content: 'twelve chars' }, 'length')), ...quiet.end()]);
    assert.deepEqual(tail.at(-2)!.delta.stop_reason, 'max_tokens');
    assert.deepEqual([tail.at(-2)!.usage.input_tokens, tail.at(-2)!.usage.output_tokens], [9, 3]);
  });

  test('interleaved parallel tool calls: every fragment lands in its own call, blocks one after another, never an empty input', () => {
    const w = new AnthropicEventWriter({ id: 'msg_p', model: 'm', promptEstimate: 9 });
    const call = (index: number, args: string, head?: { id: string; name: string }) =>
      chunk({ tool_calls: [{ index, ...(head ? { id: head.id, type: 'function', function: { name: head.name, arguments: args } } : { function: { arguments: args } }) }] });
    const out = events([
      ...w.push(call(0, '{"city":', { id: 'call_a', name: 'weather' })),
      ...w.push(call(1, '{"tz":', { id: 'call_b', name: 'time' })),
      ...w.push(call(0, '"Zürich"}')),
      ...w.push(call(1, '"Europe/Zürich"}')),
      ...w.push(chunk({}, 'tool_calls')),
      ...w.push('[DONE]'),
    ]);
    assert.deepEqual(out.map((e) => [e.type, e.index ?? null]), [
      ['message_start', null], ['ping', null],
      ['content_block_start', 0], ['content_block_delta', 0], ['content_block_delta', 0], ['content_block_stop', 0],
      ['content_block_start', 1], ['content_block_delta', 1], ['content_block_stop', 1],
      ['message_delta', null], ['message_stop', null],
    ]);
    const input = (index: number) => JSON.parse(out.filter((e) => e.type === 'content_block_delta' && e.index === index).map((e) => e.delta.partial_json).join(''));
    assert.deepEqual(input(0), { city: 'Zürich' });
    assert.deepEqual(input(1), { tz: 'Europe/Zürich' });
    assert.equal(out[6]!.content_block.id, 'call_b');
  });

  test('reasoning_content becomes a thinking block, thinking_blocks its signature; a redacted block passes whole', () => {
    const w = new AnthropicEventWriter({ id: 'msg_t', model: 'm', promptEstimate: 9 });
    const out = events([
      ...w.push(chunk({ reasoning_content: 'Think' })),
      ...w.push(chunk({ reasoning_content: 'ing.' })),
      ...w.push(chunk({ thinking_blocks: [{ type: 'thinking', thinking: 'Thinking.', signature: 'sig1' }] })),
      ...w.push(chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: 'opaque' }] })),
      ...w.push(chunk({ content: 'Done.' }, 'stop')),
      ...w.push('[DONE]'),
    ]);
    assert.deepEqual(out.slice(2, 12).map((e) => [e.type, e.index ?? null, e.content_block?.type ?? e.delta?.type ?? null]), [
      ['content_block_start', 0, 'thinking'],
      ['content_block_delta', 0, 'thinking_delta'],
      ['content_block_delta', 0, 'thinking_delta'],
      ['content_block_delta', 0, 'signature_delta'],
      ['content_block_stop', 0, null],
      ['content_block_start', 1, 'redacted_thinking'],
      ['content_block_stop', 1, null],
      ['content_block_start', 2, 'text'],
      ['content_block_delta', 2, 'text_delta'],
      ['content_block_stop', 2, null],
    ]);
    assert.equal(out[5]!.delta.signature, 'sig1');
    assert.equal(out[7]!.content_block.data, 'opaque');
  });
});

test('a delta frame from the template is byte for byte what the generic frame builder makes', () => {
  const values = ['', 'Hello', ' "quoted" \\ back\nslash', 'ünïcødé ✓ \u2028 \u0000', '{"path": "/tmp/a.txt"}'];
  const kinds = [
    ['text_delta', 'text'],
    ['thinking_delta', 'thinking'],
    ['input_json_delta', 'partial_json'],
  ] as const;
  for (const [type, field] of kinds) {
    for (const [i, value] of values.entries()) {
      assert.equal(deltaFrame(i, type, field, value), anthropicFrame('content_block_delta', { index: i, delta: { type, [field]: value } }));
    }
  }
});

describe('the Anthropic writer reads plain text chunks by a scan', () => {
  /** A seeded generator, so a failure names the seed that made it. */
  const rng = (seed: number) => {
    let s = seed >>> 0;
    return () => {
      s = (s * 1664525 + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
  };
  const base = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini' };
  const texts = ['Hello', ' world', 'é☃😀', 'say "hi"', 'a\nb', 'back\\slash', '', 'tab\there', '0'];
  /** One random OpenAI chunk (as an object): text, reasoning, a tool call, the finish, usage, another choice, an error. */
  const chunk = (r: () => number): Record<string, unknown> => {
    const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
    const roll = r();
    const choice = (delta: unknown, extra: Record<string, unknown> = {}) => ({ index: 0, delta, logprobs: null, finish_reason: null, ...extra });
    if (roll < 0.55) return { ...base, choices: [choice({ content: pick(texts) })], ...(r() < 0.5 ? { usage: null } : {}) };
    if (roll < 0.6) return { ...base, choices: [choice({ role: 'assistant', content: pick(texts) })] };
    if (roll < 0.65) return { ...base, choices: [choice({ reasoning_content: pick(texts) })] };
    if (roll < 0.7) return { ...base, choices: [choice({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":' } }] })] };
    if (roll < 0.75) return { ...base, choices: [choice({ content: 'last' }, { finish_reason: pick(['stop', 'length', 'content_filter']) })] };
    if (roll < 0.8) return { ...base, choices: [], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } };
    if (roll < 0.85) return { ...base, choices: [{ index: 1, delta: { content: 'second choice' }, finish_reason: null }] };
    if (roll < 0.9) return { ...base, choices: [choice({ content: 'x' }), { index: 1, delta: { content: 'y' }, finish_reason: null }] };
    if (roll < 0.93) return { ...base, choices: [choice({ content: pick(texts) })], usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 } };
    if (roll < 0.95) return { error: { message: 'overloaded', type: 'server_error' } };
    return { ...base, choices: [choice({ content: pick(texts), refusal: null })] };
  };
  const run = (datas: string[]) => {
    const w = new AnthropicEventWriter({ id: 'msg_s', model: 'm', promptEstimate: 9 });
    const out = datas.flatMap((d) => w.push(d));
    return [...out, ...w.end()].join('');
  };

  test('300 generated streams: compact chunks (scanned where plain) and the same chunks spaced out (always parsed) give the same frames', () => {
    let plain = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const chunks = Array.from({ length: 2 + Math.floor(r() * 14) }, () => chunk(r));
      const compact = chunks.map((c) => JSON.stringify(c));
      plain += compact.filter((d) => /"delta":\{"content":"[^"\\]+"\},"logprobs":null,"finish_reason":null\}\]/.test(d)).length;
      assert.equal(run([...compact, '[DONE]']), run([...chunks.map((c) => JSON.stringify(c, null, 1)), '[DONE]']), `seed ${seed}`);
    }
    assert.ok(plain > 300, `the streams have plain text chunks to scan (${plain})`);
  });

  test('a plain chunk before any text block, or a broken one, is parsed as before', () => {
    const plain = JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: 'hi' }, finish_reason: null }] });
    assert.equal(run([plain, plain, '[DONE]']), run([JSON.stringify(JSON.parse(plain), null, 1), JSON.stringify(JSON.parse(plain), null, 1), '[DONE]']));
    assert.match(run([plain, plain]), /"text":"hi"\}\}\n\n.*"text":"hi"\}\}/s);
    // a raw control character is no JSON: the chunk is dropped, as a parse drops it
    const broken = plain.replace('"hi"', '"tab\there"');
    assert.doesNotMatch(run([plain, broken, '[DONE]']), /tab/);
  });
});
