/**
 * A chat client's stream, read a run of frames at a time (readChunk with frames, the
 * OpenAI translator's pushFrames), must give exactly what reading it event by event
 * gives: the same bytes to the client, the same usage, generated-character count,
 * completion and failure. Streams are made of recorded chunks (the OpenAI fixtures and
 * the OpenAI-compatible servers' shapes) mixed with what must leave the fast path:
 * usage, errors, comments, other fields, \r\n line ends, multi-byte text cut mid-character.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readChunk, type ReadMode } from '../../src/gateway/stream.js';
import { adapterFor } from '../../src/providers/registry.js';
import type { StreamTranslator } from '../../src/providers/types.js';
import { SseDecoder, sseData } from '../../src/upstream/sse.js';
import { fixture, fixtureJson, makeCtx, makeTarget } from '../providers/helpers.js';

const target = makeTarget('openai', 'gpt-4o-mini');

function translator(clientWantsUsage = false): StreamTranslator {
  return adapterFor('openai')!.streamTranslator('chat', target, makeCtx({ stream: true, clientWantsUsage }));
}

/** Everything the client would get and the translator's account of the stream. */
function run(bytes: Buffer, cuts: number[], frames: boolean, clientWantsUsage = false) {
  const t = translator(clientWantsUsage);
  const { out, events } = feed(bytes, cuts, t, frames ? 'chat' : 'payloads');
  const text = frames ? out.join('') : out.map(sseData).join('');
  return { text, events, usage: t.usage(), chars: t.outputChars(), complete: t.complete?.(), error: t.error() };
}

/** The bytes through readChunk, cut where asked, then the end of the stream. */
function feed(bytes: Buffer, cuts: number[], t: StreamTranslator, mode: ReadMode) {
  const decoder = new SseDecoder();
  const out: string[] = [];
  let events = 0;
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > at) events += readChunk(bytes.subarray(at, cut), decoder, t, mode, out);
    at = Math.max(at, cut);
  }
  for (const ev of decoder.end()) {
    events++;
    for (const p of t.push(ev)) out.push(mode === 'chat' ? sseData(p) : p);
  }
  for (const p of t.end()) out.push(mode === 'chat' ? sseData(p) : p);
  return { out, events };
}

/** A seeded generator, so a failure names the seed that made it. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SHAPES = fixture('openai-compatible/chunks.jsonl')
  .trim()
  .split('\n')
  .map((l) => (JSON.parse(l) as { chunk: string }).chunk);
const RECORDED = ['openai/chat-stream-hello.sse', 'openai/chat-stream-read-file.sse', 'openai/chat-tool-call.sse'].map(fixture);
const CHUNK = JSON.stringify(fixtureJson('openai/wire/chat-chunk.json'));
const USAGE_CHUNK = JSON.stringify(fixtureJson('openai/wire/chat-usage-chunk.json'));
const ERROR = JSON.stringify(fixtureJson('openai/wire/error.json'));

/** One recorded chunk with its text replaced (quotes, escapes, multi-byte characters, key-like words). */
function withContent(content: string, usageNull: boolean): string {
  const chunk = JSON.parse(CHUNK) as { choices: { delta: Record<string, unknown> }[]; usage?: null };
  chunk.choices[0]!.delta = { content };
  if (usageNull) chunk.usage = null;
  return JSON.stringify(chunk);
}

const CONTENTS = ['Hello', '', 'say "model": "x"', 'the "usage": {"prompt_tokens": 1}', 'an "error" here', 'é☃😀 naïve', 'line\nbreak', '\\"escaped\\"', 'usage"', 'rror"'];

/** One random event as it goes on the wire. */
function randomEvent(r: () => number): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const roll = r();
  if (roll < 0.45) return `data: ${withContent(pick(CONTENTS), r() < 0.5)}\n\n`;
  if (roll < 0.6) return `data: ${pick(SHAPES)}\n\n`;
  if (roll < 0.65) return `data: ${USAGE_CHUNK}\n\n`;
  if (roll < 0.68) return `data: ${ERROR}\n\n`;
  if (roll < 0.72) return `: keep-alive\n\n`;
  if (roll < 0.75) return `event: message\ndata: ${withContent('named', false)}\n\n`;
  if (roll < 0.78) return `data:${withContent('no space', false)}\n\n`;
  if (roll < 0.81) return `data: ${withContent('crlf', false)}\r\n\r\n`;
  if (roll < 0.84) return `id: 7\ndata: ${withContent('with id', false)}\n\n`;
  if (roll < 0.87) return `data: ${withContent('a', false).replace('"model":', '"model" : ')}\n\n`;
  if (roll < 0.9) return `data: ${withContent('two lines', false).replace(',"choices"', '\ndata: ,"choices"')}\n\n`;
  if (roll < 0.93) return `data: {"object":"model","model":"m","choices":[]}\n\n`;
  if (roll < 0.95) return `data: ${withContent('b', false).replace('"model":"gpt-4o-mini"', '"model":null')}\n\n`;
  if (roll < 0.97) return `data: ${withContent('cut short', false).slice(0, -3)}\n\n`;
  return 'data: [DONE]\n\n';
}

describe('a chat stream read a run of frames at a time', () => {
  test('plain chunks go through whole, the model renamed, and agree with the event path', () => {
    const plain = Buffer.from(Array.from({ length: 30 }, (_, i) => `data: ${withContent(`w${i}`, i % 2 === 0)}\n\n`).join(''));
    const t = translator();
    const taken = t.pushFrames!(plain.toString());
    assert.equal(taken.used, plain.length, 'every plain chunk is taken in one run');
    assert.equal(taken.events, 30);
    assert.equal(taken.frames, plain.toString().replaceAll('"model":"gpt-4o-mini"', `"model":${JSON.stringify(target.servedAs)}`));
    assert.deepEqual(run(plain, [], true), run(plain, [], false));
  });

  test('a run stops before a usage object or an error, which push() reads', () => {
    const head = `data: ${withContent('a', true)}\n\n`;
    for (const tail of [USAGE_CHUNK, ERROR]) {
      const text = `${head}data: ${tail}\n\ndata: [DONE]\n\n`;
      const taken = translator().pushFrames!(text);
      assert.equal(taken.used, head.length, tail);
      const bytes = Buffer.from(text);
      assert.deepEqual(run(bytes, [], true), run(bytes, [], false), tail);
    }
    const usage = run(Buffer.from(`${head}data: ${USAGE_CHUNK}\n\ndata: [DONE]\n\n`), [], true);
    assert.equal(usage.usage?.promptTokens, (JSON.parse(USAGE_CHUNK) as { usage: { prompt_tokens: number } }).usage.prompt_tokens);
    assert.equal(run(Buffer.from(`${head}data: ${ERROR}\n\n`), [], true).error?.message, (JSON.parse(ERROR) as { error: { message: string } }).error.message);
  });

  test('a chunk that starts inside an event is read event by event', () => {
    // the second line belongs to the first line's event: joined, they are no JSON, and the provider has failed
    const first = 'data: [\n';
    const bytes = Buffer.from(`${first}data: ${withContent('inside', false)}\n\n`);
    const framed = run(bytes, [first.length], true);
    assert.deepEqual(framed, run(bytes, [first.length], false));
    assert.match(framed.error?.message ?? '', /unreadable/);
  });

  test('the recorded OpenAI streams, cut anywhere, give the same bytes and the same account', () => {
    for (const raw of RECORDED) {
      const bytes = Buffer.from(raw);
      for (let cut = 0; cut <= bytes.length; cut += 7) {
        for (const wants of [false, true]) assert.deepEqual(run(bytes, [cut], true, wants), run(bytes, [cut], false, wants), `cut at ${cut}`);
      }
    }
  });

  test('400 generated streams, cut at random bytes, give the same bytes and the same account', () => {
    let fastEvents = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed);
      const events = Array.from({ length: 1 + Math.floor(r() * 12) }, () => randomEvent(r));
      const bytes = Buffer.from(events.join(''));
      const cuts = Array.from({ length: Math.floor(r() * 4) }, () => Math.floor(r() * bytes.length)).sort((a, b) => a - b);
      const wants = r() < 0.5;
      assert.deepEqual(run(bytes, cuts, true, wants), run(bytes, cuts, false, wants), `seed ${seed}`);
      fastEvents += translator().pushFrames!(bytes.toString()).events;
    }
    assert.ok(fastEvents > 200, `the generated streams exercise the run path (${fastEvents} events taken whole)`);
  });
});

describe('a native stream read a run of frames at a time', () => {
  const NATIVE = [
    ...['text', 'tool-call', 'thinking-tool-use', 'thinking-after-tool', 'thinking-cached', 'stream-error'].map((name) => ({ type: 'anthropic' as const, protocol: 'anthropic-messages' as const, file: `anthropic/${name}.sse` })),
    { type: 'openai' as const, protocol: 'openai-responses' as const, file: 'openai/responses/responses-text.sse' },
    ...['text', 'tool-call', 'two-candidates', 'stream-error'].map((name) => ({ type: 'gemini' as const, protocol: 'gemini' as const, file: `gemini/${name}.sse` })),
  ];
  /** What the client gets and the meter's account, read with runs (`raw`) or event by event. */
  const account = (type: 'anthropic' | 'openai' | 'gemini', protocol: 'anthropic-messages' | 'openai-responses' | 'gemini', bytes: Buffer, cuts: number[], runs: boolean) => {
    const t = adapterFor(type)!.native!.streamTranslator({ protocol, body: {}, headers: {} }, makeTarget(type, 'm'), makeCtx({ stream: true }));
    const { out, events } = feed(bytes, cuts, t, runs ? 'raw' : 'payloads');
    return { text: out.join(''), events, usage: t.usage(), chars: t.outputChars(), complete: t.complete?.(), error: t.error() };
  };

  for (const { type, protocol, file } of NATIVE) {
    test(`${file}, cut anywhere, gives the same bytes and the same account`, () => {
      const bytes = Buffer.from(fixture(file));
      for (let cut = 0; cut <= bytes.length; cut += 5) {
        assert.deepEqual(account(type, protocol, bytes, [cut], true), account(type, protocol, bytes, [cut], false), `cut at ${cut}`);
        assert.deepEqual(account(type, protocol, bytes, [cut, cut + 40, cut + 41], true), account(type, protocol, bytes, [cut, cut + 40, cut + 41], false), `cuts at ${cut}`);
      }
    });
  }

  test('frames held at the start, and an event id that carries over, keep the stream event by event', () => {
    const raw = fixture('anthropic/text.sse');
    const events = raw.split('\n\n');
    // content before any frame that ends the opening (no content_block_start): the held frames must go first
    const early = events.filter((e) => !e.startsWith('event: content_block_start') && !e.startsWith('event: ping')).join('\n\n');
    // an id on the first event is every later event's too, and each frame rebuilt from its event says so
    const withId = raw.replace('event: message_start\n', 'id: 7\nevent: message_start\n');
    for (const text of [early, withId]) {
      const bytes = Buffer.from(text);
      const delta = text.indexOf('event: content_block_delta');
      for (const cut of [delta, delta + 1, text.indexOf('event: content_block_delta', delta + 1)]) {
        assert.deepEqual(account('anthropic', 'anthropic-messages', bytes, [cut], true), account('anthropic', 'anthropic-messages', bytes, [cut], false), `cut at ${cut}`);
      }
    }
  });

  test('text deltas after the first go through in runs, as they came', () => {
    const raw = fixture('anthropic/text.sse');
    const t = adapterFor('anthropic')!.native!.streamTranslator({ protocol: 'anthropic-messages', body: {}, headers: {} }, makeTarget('anthropic', 'm'), makeCtx({ stream: true }));
    const firstDelta = raw.indexOf('event: content_block_delta');
    assert.equal(t.pushFrames!(raw).events, 0, 'nothing before content has started (the opening frames are held)');
    for (const ev of new SseDecoder().push(raw.slice(0, raw.indexOf('event: content_block_delta', firstDelta + 1)))) t.push(ev);
    const rest = raw.slice(raw.indexOf('event: content_block_delta', firstDelta + 1));
    const run = t.pushFrames!(rest);
    assert.ok(run.events >= 1, 'the next deltas are one run');
    assert.equal(run.frames, rest.slice(0, run.used));
    assert.ok(rest.slice(run.used).startsWith('event: content_block_stop'), 'the run stops at the block\'s end');
  });
});
