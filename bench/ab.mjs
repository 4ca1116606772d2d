#!/usr/bin/env node
// Two TokenHub builds side by side, loaded at the same time (not part of `npm run bench`):
// each gets half the connections against the same fake upstream, so whatever else the
// machine is doing hits both alike, and the ratio of their CPU per request is a steadier
// measure of a change than two runs one after the other. See bench/README.md.
//
//   node bench/ab.mjs /path/to/baseline/bin/tokenhub [stream] [chat|chat-large|messages|responses|responses-store] [bench-model|bench-claude]
//
// The baseline is a copy of bin/, dist/ and package.json with a node_modules link (as for
// TOKENHUB_BENCH_BIN); B is this tree's build. ROUNDS (default 5) rounds of 4 s each.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, load, log, median, REQUESTS, startChild, startTokenHub } from './lib.mjs';

const args = process.argv.slice(2);
const baseline = args.find((a) => a.includes('/'));
if (!baseline) {
  log('usage: node bench/ab.mjs /path/to/baseline/bin/tokenhub [stream] [chat|chat-large|messages|responses|responses-store] [bench-model|bench-claude]');
  process.exit(2);
}
const stream = args.includes('stream');
const protocol = args.find((a) => a in REQUESTS) ?? 'chat';
const model = args.find((a) => a.startsWith('bench-')) ?? 'bench-model';
const rounds = Number(process.env.ROUNDS ?? 5);

const up = await startChild(process.execPath, [fileURLToPath(new URL('upstream.mjs', import.meta.url)), '0'], {});
const upUrl = `http://127.0.0.1:${up.port}`;
const homes = [mkdtempSync(join(tmpdir(), 'th-ab-a-')), mkdtempSync(join(tmpdir(), 'th-ab-b-'))];
const start = async (bin, home) => {
  process.env.TOKENHUB_BENCH_BIN = bin;
  try {
    return await startTokenHub(home, upUrl, upUrl);
  } finally {
    delete process.env.TOKENHUB_BENCH_BIN;
  }
};
const A = await start(baseline, homes[0]);
const B = await start(BIN, homes[1]);
const opts = { stream, connections: 25, ms: 4000, model, protocol };
await Promise.all([load(A, { ...opts, ms: 1500 }), load(B, { ...opts, ms: 1500 })]);
const runs = { A: [], B: [] };
const us = (r) => Math.round(r.cpuMsPerReq * 1000);
for (let i = 0; i < rounds; i++) {
  const [a, b] = await Promise.all([load(A, opts), load(B, opts)]);
  runs.A.push(a);
  runs.B.push(b);
  log(`round ${i + 1}: A ${Math.round(a.rps)} req/s ${us(a)} µs/req | B ${Math.round(b.rps)} req/s ${us(b)} µs/req`);
}
const med = (w, k) => median(runs[w].map((r) => r[k]));
log(`${protocol} ${model}${stream ? ' stream' : ''}, medians of ${rounds}: CPU per request A ${Math.round(med('A', 'cpuMsPerReq') * 1000)} µs, B ${Math.round(med('B', 'cpuMsPerReq') * 1000)} µs (B/A ${(med('B', 'cpuMsPerReq') / med('A', 'cpuMsPerReq')).toFixed(2)}); req/s B/A ${(med('B', 'rps') / med('A', 'rps')).toFixed(2)}`);
for (const t of [A, B, up]) t.child.kill();
for (const h of homes) rmSync(h, { recursive: true, force: true });
