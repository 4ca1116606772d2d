/**
 * A Responses stream passed through natively: its usage is read from the final event by
 * a scan where it can be, and must be what a parse of the event gives; the route's
 * encoder numbers a break after the provider's last event and reads the final Response
 * only when the answer is to be stored.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayError } from '../../src/errors.js';
import { nativeEncoder } from '../../src/inbound/responses/native.js';
import { usageFromResponses } from '../../src/providers/openai/responses-native.js';
import { adapterFor } from '../../src/providers/registry.js';
import { fixture, makeCtx, makeTarget } from './helpers.js';

const RECORDED = fixture('openai/responses/responses-text.sse');
const COMPLETED = RECORDED.split('\n').find((l) => l.startsWith('data: ') && l.includes('"type":"response.completed"'))!.slice(6);

function usageRead(type: string, data: string) {
  const t = adapterFor('openai')!.native!.streamTranslator({ protocol: 'openai-responses', body: {}, headers: {} }, makeTarget('openai', 'm'), makeCtx({ stream: true }));
  t.push({ event: type, data, id: undefined });
  return { usage: t.usage(), error: t.error(), complete: t.complete?.() };
}

test("the final event's usage, read by a scan where it can be, is what a parse gives", () => {
  const event = JSON.parse(COMPLETED) as { response: Record<string, unknown>; sequence_number: number; type: string };
  const { usage, ...withoutUsage } = event.response;
  const variants: Record<string, string> = {
    recorded: COMPLETED,
    pretty: JSON.stringify(event, null, 2),
    'usage first, text that looks like usage': JSON.stringify({ type: event.type, response: { usage, ...withoutUsage, instructions: 'say "usage": {"input_tokens": 99}' } }),
    'a usage key in metadata after usage': JSON.stringify({ ...event, response: { ...event.response, metadata: { usage: 'note' } } }),
    'usage null': JSON.stringify({ ...event, response: { ...event.response, usage: null } }),
    'no usage': JSON.stringify({ ...event, response: withoutUsage }),
    'an error that is not null': JSON.stringify({ ...event, response: { ...event.response, error: { message: 'x' }, usage: { input_tokens: 3, output_tokens: 4 } } }),
  };
  for (const [name, data] of Object.entries(variants)) {
    const parsed = JSON.parse(data) as { response: { usage?: unknown } };
    for (const type of ['response.completed', 'response.incomplete']) {
      const read = usageRead(type, data);
      assert.deepEqual(read.usage, usageFromResponses(parsed.response.usage), `${name}, ${type}`);
      assert.equal(read.complete, true);
    }
  }
  assert.equal(usageRead('response.completed', COMPLETED).usage?.promptTokens, 10);
  // response.failed is parsed for its error, and its usage still counts
  const failed = JSON.stringify({ ...event, type: 'response.failed', response: { ...event.response, status: 'failed', error: { code: 'server_error', message: 'The model failed' } } });
  const read = usageRead('response.failed', failed);
  assert.deepEqual([read.usage?.promptTokens, read.error?.message], [10, 'The model failed']);
});

test("a break is numbered after the provider's last event; the final Response is read out only when it is kept", () => {
  const frames = RECORDED.split(/(?<=\n\n)/);
  const errorSeq = (enc: ReturnType<typeof nativeEncoder>) => (JSON.parse(enc.error(new GatewayError('upstream_error', 'broke off')).split('\n')[1]!.slice(6)) as { sequence_number: number }).sequence_number;
  const last = Math.max(...[...RECORDED.matchAll(/"sequence_number":(\d+)/g)].map((m) => Number(m[1])));

  const kept: unknown[] = [];
  const storing = nativeEncoder((r) => kept.push(r));
  assert.equal(frames.map((f) => storing.push(f)).join(''), RECORDED, 'frames pass as they came');
  assert.deepEqual(kept, [(JSON.parse(COMPLETED) as { response: unknown }).response]);
  assert.equal(errorSeq(storing), last + 1);
  assert.equal(errorSeq(storing), last + 2, 'a second error event after the first');

  const passing = nativeEncoder();
  assert.equal(frames.map((f) => passing.push(f)).join(''), RECORDED);
  assert.equal(errorSeq(passing), last + 1);

  // runs of several events in one frame; a frame without a number; a number that is not digits after one that is
  const first = nativeEncoder();
  first.push(frames[0]!);
  assert.equal(errorSeq(first), 1, 'after event 0');
  const runs = nativeEncoder();
  runs.push(frames.slice(0, 4).join(''));
  assert.equal(errorSeq(runs), 4);
  const more = nativeEncoder();
  more.push(frames.slice(0, 3).join(''));
  more.push(': keep-alive\n\n');
  more.push('event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":41,"delta":"a"}\n\nevent: x\ndata: {"sequence_number": null}\n\n');
  assert.equal(errorSeq(more), 42);
  // a quoted "sequence_number" inside a string is text, not a number
  const text = nativeEncoder();
  text.push('event: response.output_text.delta\ndata: {"sequence_number":5,"delta":"\\"sequence_number\\":99"}\n\n');
  assert.equal(errorSeq(text), 6);
  const otherKey = nativeEncoder();
  otherKey.push('event: x\ndata: {"sequence_number":5,"x_sequence_number":99}\n\n');
  assert.equal(errorSeq(otherKey), 6, 'another key that ends the same way');
});
