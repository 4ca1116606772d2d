import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, isoTime, redact } from '../../src/util/log.js';

const SECRET = 'sk-th-0123456789abcdefghijklmnopqrstuv';

test('a credential field is redacted at any depth, in objects and arrays', () => {
  let nested: Record<string, unknown> = { authorization: `Bearer ${SECRET}`, 'X-Api-Key': 'plain-secret-value', ok: 1 };
  for (let i = 0; i < 12; i++) nested = i % 2 ? { level: i, inner: nested } : { level: i, list: [nested] };
  const text = JSON.stringify(redact(nested));
  assert.ok(!text.includes('Bearer'), text);
  assert.ok(!text.includes('plain-secret-value'), text);
  assert.ok(!text.includes('0123456789abcdef'), text);
  assert.equal((text.match(/\[redacted\]"/g) ?? []).length, 2);
  assert.match(text, /"ok":1/, 'the rest stays');
});

test('cycles and absurd nesting are replaced, not walked forever or passed through', () => {
  const cyclic: Record<string, unknown> = { name: 'a' };
  cyclic.self = cyclic;
  assert.deepEqual(redact(cyclic), { name: 'a', self: '[circular]' });
  const shared = { v: 1 };
  assert.deepEqual(redact({ a: shared, b: shared }), { a: { v: 1 }, b: { v: 1 } }, 'a shared object is not a cycle');
  let deep: unknown = { authorization: SECRET };
  for (let i = 0; i < 10_000; i++) deep = { d: deep };
  assert.ok(!JSON.stringify(redact(deep)).includes(SECRET.slice(8)));
});

test('the logger writes a nested authorization redacted', () => {
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l) });
  log.error('upstream failed', { request: { attempt: { upstream: { call: { headers: { authorization: `Bearer ${SECRET}` } } } } } });
  assert.equal(lines.length, 1);
  assert.ok(!lines[0]!.includes(SECRET.slice(8)), lines[0]);
  assert.match(lines[0]!, /"authorization":"\[redacted\]"/);
});

test('flat fields: a key-shaped value and a credential field are masked, the rest written as given', () => {
  const lines: string[] = [];
  const log = createLogger({ write: (l) => lines.push(l) });
  log.info(`key ${SECRET} seen`, { model: `x-${SECRET}`, Authorization: 'Bearer abc', status: 200, ms: 1.5, none: null, list: [SECRET] });
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  for (const v of [line.msg, line.model, JSON.stringify(line.list)]) assert.ok(!String(v).includes(SECRET.slice(8)), String(v));
  assert.equal(line.Authorization, '[redacted]');
  assert.deepEqual([line.level, line.status, line.ms, line.none], ['info', 200, 1.5, null]);
});

test('stderr lines are batched, and none is lost when the process exits before the batch is written', async () => {
  const { spawn } = await import('node:child_process');
  const logModule = new URL('../../src/util/log.ts', import.meta.url).href;
  // three lines, then an exit in the same turn: the batch timer never fires (it is unref'd)
  const script = `import { createLogger } from ${JSON.stringify(logModule)}; const log = createLogger(); for (const n of [1, 2, 3]) log.info('line', { n }); process.exit(0);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  assert.equal(code, 0, stderr);
  const lines = stderr.trim().split('\n').map((l) => JSON.parse(l) as { msg: string; n: number });
  assert.deepEqual(lines.map((l) => [l.msg, l.n]), [['line', 1], ['line', 2], ['line', 3]]);
});

test('a JSON line is written member by member exactly as JSON.stringify writes the redacted fields', () => {
  // A seeded generator: the same 3000 lines every run.
  let seed = 7;
  const rand = (n: number) => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) % n);
  };
  const pick = <T>(xs: readonly T[]): T => xs[rand(xs.length)]!;
  const keys = ['id', 'model', 'status', 'ms', 'authorization', 'X-Api-Key', 'Token', 'time', 'msg', 'level', '0', '7', 'a"b', 'tab\tkey', 'é', '__proto__', 'key_id', 'tokens', 'provider'];
  const strings = ['', 'plain', 'say "hi"', 'back\\slash', 'line\nbreak', 'nul\u0000', 'emoji 😀', 'lone \ud800', 'U+2028 \u2028', `x-${SECRET}`, 'AIzaSyA0123456789abcdefghijklmnop', 'a task-list', 'é'];
  const values = (depth: number): unknown => {
    switch (rand(depth > 1 ? 8 : 10)) {
      case 0: return pick(strings);
      case 1: return pick([0, -0, 1.5, -3, 1e21, 2 ** 53, NaN, Infinity, -Infinity, 123456789]);
      case 2: return rand(2) === 0;
      case 3: return null;
      case 4: return undefined;
      case 5: return pick([() => 1, Symbol('s')]);
      case 6: return pick(strings) + pick(strings);
      case 7: return rand(100);
      case 8: return Array.from({ length: rand(3) }, () => values(depth + 1));
      default: return Object.fromEntries(Array.from({ length: rand(3) }, () => [pick(keys), values(depth + 1)]));
    }
  };
  for (let n = 0; n < 3000; n++) {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) });
    const fields = n % 50 === 0 ? undefined : Object.fromEntries(Array.from({ length: rand(8) }, () => [pick(keys), values(0)]));
    const msg = pick(strings);
    log.warn(msg, fields);
    const time = (JSON.parse(lines[0]!) as { time: string }).time;
    const expected = JSON.stringify(Object.assign({ time, level: 'warn', msg: redact(msg) }, fields ? redact(fields) : {}));
    assert.equal(lines[0], expected, JSON.stringify({ msg, fields }));
  }
});

test('the ISO time is what toISOString says, across days, years and the calls in between', () => {
  let seed = 3;
  const rand = () => {
    seed = (seed * 48271) % 2147483647;
    return seed / 2147483647;
  };
  const check = (ms: number) => assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
  // walks forward in steps from 1 ms to 3 days, then jumps about (back in time too)
  let ms = Date.UTC(2026, 10, 30, 23, 59, 58, 990);
  for (let i = 0; i < 20_000; i++) {
    ms += Math.floor(rand() ** 4 * 3 * 86_400_000) + 1;
    check(ms);
    check(ms); // the same millisecond again
  }
  for (const t of [0, 1, 86_399_999, 86_400_000, Date.UTC(2024, 1, 29, 12), Date.UTC(1999, 11, 31, 23, 59, 59, 999), Date.UTC(2000, 0, 1), 253402300799999, 1.5, -1, Date.UTC(1969, 11, 31, 23, 0)]) {
    check(t);
    check(t + 1);
  }
  for (let i = 0; i < 5000; i++) check(Math.floor(rand() * 4e12));
});
