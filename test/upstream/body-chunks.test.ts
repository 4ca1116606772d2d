import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { BodyChunks } from '../../src/upstream/body-chunks.js';

const text = (b: Buffer | null | undefined) => (b ? b.toString() : b);

test('buffered chunks are read synchronously; wait() resolves when more comes; null at the end', async () => {
  const body = new PassThrough();
  const chunks = new BodyChunks(body);
  assert.equal(chunks.read(), undefined, 'nothing buffered yet');
  body.write('a');
  body.write('b');
  await chunks.wait();
  let got = '';
  for (let c = chunks.read(); c; c = chunks.read()) got += text(c);
  assert.equal(got, 'ab');
  assert.equal(chunks.read(), undefined);
  const waiting = chunks.wait();
  body.end('c');
  await waiting;
  assert.equal(text(chunks.read()), 'c');
  let last = chunks.read();
  while (last === undefined) {
    await chunks.wait();
    last = chunks.read();
  }
  assert.equal(last, null, 'the end');
});

test("the body's error is thrown by read(), also to a reader already waiting", async () => {
  const body = new PassThrough();
  const chunks = new BodyChunks(body);
  const waiting = chunks.wait();
  body.destroy(new Error('socket reset'));
  await waiting;
  assert.throws(() => chunks.read(), /socket reset/);
});

test('drain() reads and drops the rest, so the body ends (and its connection can be reused)', async () => {
  const body = new PassThrough();
  const chunks = new BodyChunks(body);
  body.write('x');
  const ended = new Promise((resolve) => body.once('end', resolve));
  chunks.drain();
  body.end('y');
  await ended;
});
