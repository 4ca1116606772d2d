#!/usr/bin/env node
// Where TokenHub's distance to the bare proxy goes (not part of `npm run bench`): the bare
// proxy, TokenHub as built, and copies of the build with the contract's per-request work
// cut out, loaded one after another in interleaved rounds like the bench's own table.
// Each row is a ratio to the bare proxy in the same run, so the steps between rows are
// what each piece costs in throughput. See bench/README.md.
//
//   node bench/decompose.mjs [chat|messages|responses] [stream]
//
// The cuts (edits of the compiled files, each of which must match exactly once):
//   records: the usage record (row, hand-off, SQLite insert on the writer thread), the
//            metrics event behind `tokenhub top` and the request's log line;
//   events:  (chat streams) the per-event reading of the stream: the model renamed in
//            every chunk, usage read from the usage chunk, errors looked for, generated
//            text counted. The copy passes the provider's text through as it came.
import { log, median, copyBuildWith, load, startChild, startTokenHub } from './lib.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const stream = args.includes('stream');
const protocol = args.find((a) => ['chat', 'messages', 'responses'].includes(a)) ?? 'chat';
const rounds = Number(process.env.ROUNDS ?? 5);
const MS = 3000;

const RECORDS = [
  ['gateway/ledger.js', 'this.deps.usage.record(record);', ''],
  ['gateway/ledger.js', 'this.deps.metrics.request(record);', ''],
  ['gateway/ledger.js', /this\.deps\.log\.info\('request', \{[^}]*\}\);/, ''],
];
const EVENTS = [
  [
    'providers/openai/index.js',
    'pushFrames(text) {',
    "pushFrames(text) { if (text.length > 0) { this.sawDone = text.includes('data: [DONE]'); return { frames: text, used: text.length, events: 1 }; }",
  ],
];
const variants = [
  { name: 'TokenHub', edits: null },
  { name: 'without records', edits: RECORDS },
  ...(stream && protocol === 'chat' ? [{ name: 'without records, events', edits: [...RECORDS, ...EVENTS] }] : []),
];

const here = (name) => fileURLToPath(new URL(name, import.meta.url));
const children = [];
const cleanups = [];
try {
  const up = await startChild(process.execPath, [here('upstream.mjs'), '0'], {});
  children.push(up.child);
  const upUrl = `http://127.0.0.1:${up.port}`;
  const b = await startChild(process.execPath, [here('bare-proxy.mjs')], { UPSTREAM: upUrl });
  children.push(b.child);
  const targets = [{ name: 'bare proxy', url: `http://127.0.0.1:${b.port}`, pid: b.child.pid, bare: true }];
  for (const v of variants) {
    const home = mkdtempSync(join(tmpdir(), 'th-decompose-'));
    cleanups.push(() => rmSync(home, { recursive: true, force: true }));
    if (v.edits) {
      const copy = copyBuildWith(v.edits);
      cleanups.push(copy.cleanup);
      process.env.TOKENHUB_BENCH_BIN = copy.bin;
    }
    try {
      const th = await startTokenHub(home, upUrl, upUrl);
      children.push(th.child);
      targets.push({ ...th, name: v.name });
    } finally {
      delete process.env.TOKENHUB_BENCH_BIN;
    }
  }
  // The bare proxy carries the client's own request to an upstream speaking the client's protocol.
  const modelFor = (t) => (!t.bare && protocol === 'messages' ? 'bench-claude' : 'bench-model');
  for (const t of targets) await load(t, { stream, connections: 50, ms: 800, model: modelFor(t), protocol });
  const runs = new Map(targets.map((t) => [t, []]));
  for (let r = 0; r < rounds; r++) {
    log(`round ${r + 1}/${rounds}: ${protocol}${stream ? ' stream' : ''}, ${targets.length} targets`);
    for (const t of targets.map((_, i) => targets[(i + r) % targets.length])) {
      runs.get(t).push(await load(t, { stream, connections: 50, ms: MS, model: modelFor(t), protocol }));
    }
  }
  const med = (t, k) => median(runs.get(t).map((x) => x[k]));
  const bare = targets[0];
  log(`\n${protocol}${stream ? ' stream' : ''}, 50 connections, medians of ${rounds} rounds`);
  log(`${'target'.padEnd(26)}${'req/s'.padStart(8)}${'vs bare'.padStart(9)}${'CPU µs/req'.padStart(12)}${'errors'.padStart(8)}`);
  for (const t of targets) {
    const errors = runs.get(t).reduce((a, x) => a + x.errors, 0);
    log(`${t.name.padEnd(26)}${String(Math.round(med(t, 'rps'))).padStart(8)}${(med(t, 'rps') / med(bare, 'rps')).toFixed(2).padStart(8)}×${String(Math.round(med(t, 'cpuMsPerReq') * 1000)).padStart(12)}${String(errors).padStart(8)}`);
  }
} finally {
  for (const c of children) c.kill();
  for (const f of cleanups) f();
}
